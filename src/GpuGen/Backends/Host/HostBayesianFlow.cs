using GpuGen.Kernels.Diffusion;
using GpuGen.Launch;

namespace GpuGen.Backends.Host;

internal sealed class HostBayesianFlow : IBayesianFlowKernels
{
    public void FlowSample(Tensor x, Tensor times, Tensor mu, in ContinuousFlow flow, int rowLength, ulong seed, ulong offset) =>
        Launcher.Host(mu.Device, "BayesianFlowKernels.FlowSampleHost", mu.Length, KernelCost.Streaming(mu.Length, 1, 1, 12),
            (x: x.Segment(), t: times.Segment(), mu: mu.Segment(), flow, rowLength, seed, offset),
            static s => BayesianFlowKernels.FlowSampleHost(s.x, s.t, s.mu, s.flow, s.rowLength, s.seed, s.offset));

    public void Output(Tensor mu, Tensor noise, Tensor times, Tensor? upstream, Tensor result, in ContinuousFlow flow, int rowLength) =>
        Launcher.Host(result.Device, upstream is null ? "BayesianFlowKernels.OutputHost" : "BayesianFlowKernels.OutputBackwardHost", result.Length,
            KernelCost.Streaming(result.Length, upstream is null ? 2 : 3, 1, 10),
            (mu: mu.Segment(), e: noise.Segment(), t: times.Segment(), u: (upstream ?? result).Segment(), y: result.Segment(), flow, rowLength, backward: upstream is not null),
            static s => BayesianFlowKernels.OutputHost(s.mu, s.e, s.t, s.u, s.y, s.flow, s.rowLength, s.backward));

    public void Update(Tensor mu, Tensor prediction, Tensor result, float precision, float accuracy, ulong seed, ulong offset) =>
        Launcher.Host(result.Device, "BayesianFlowKernels.UpdateHost", result.Length, KernelCost.Streaming(result.Length, 2, 1, 12),
            (mu: mu.Segment(), p: prediction.Segment(), y: result.Segment(), precision, accuracy, seed, offset),
            static s => BayesianFlowKernels.UpdateHost(s.mu, s.p, s.y, s.precision, s.accuracy, s.seed, s.offset));

    public void BinaryEvidence(Tensor x, Tensor accuracy, Tensor result, int rowLength, ulong seed, ulong offset) =>
        Launcher.Host(result.Device, "BinaryFlowKernels.EvidenceHost", result.Length, KernelCost.Streaming(result.Length, 1, 1, 12),
            (x: x.Segment(), a: accuracy.Segment(), y: result.Segment(), rowLength, seed, offset),
            static s => BinaryFlowKernels.EvidenceHost(s.x, s.a, s.y, s.rowLength, s.seed, s.offset));

    public void BinaryUpdate(Tensor logits, Tensor probability, Tensor result, float accuracy, ulong seed, ulong offset) =>
        Launcher.Host(result.Device, "BinaryFlowKernels.UpdateHost", result.Length, KernelCost.Streaming(result.Length, 2, 1, 14),
            (l: logits.Segment(), p: probability.Segment(), y: result.Segment(), accuracy, seed, offset),
            static s => BinaryFlowKernels.UpdateHost(s.l, s.p, s.y, s.accuracy, s.seed, s.offset));

    public void CategoricalEvidence(Tensor classes, Tensor accuracy, Tensor result, int variables, int classCount, ulong seed, ulong offset) =>
        Launcher.Host(result.Device, "CategoricalFlowKernels.EvidenceHost", result.Length, KernelCost.Streaming(result.Length, 1, 1, 12),
            (x: classes.Segment(), a: accuracy.Segment(), y: result.Segment(), variables, classCount, seed, offset),
            static s => CategoricalFlowKernels.EvidenceHost(s.x, s.a, s.y, s.variables, s.classCount, s.seed, s.offset));

    public void CategoricalUpdate(Tensor logits, Tensor probability, Tensor result, int variables, int classCount, float accuracy, ulong seed, ulong offset) =>
        Launcher.Host(result.Device, "CategoricalFlowKernels.UpdateHost", result.Length, KernelCost.Streaming(result.Length, 2, 1, 14),
            (l: logits.Segment(), p: probability.Segment(), y: result.Segment(), variables, classCount, accuracy, seed, offset),
            static s => CategoricalFlowKernels.UpdateHost(s.l, s.p, s.y, s.variables, s.classCount, s.accuracy, s.seed, s.offset));
}
