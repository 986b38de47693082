using GpuGen.Kernels.Diffusion;
using GpuGen.Launch;

namespace GpuGen.Backends.Ilgpu;

internal sealed class IlgpuBayesianFlow(IlgpuDevice device) : IBayesianFlowKernels
{
    public void FlowSample(Tensor x, Tensor times, Tensor mu, in ContinuousFlow flow, int rowLength, ulong seed, ulong offset) =>
        Launcher.Device(device, BayesianFlowKernels.FlowSampleDevice, mu.Length,
            new FlowSampleArgs { X = x.View(), Times = times.View(), Mu = mu.View(), Flow = flow, RowLength = rowLength, Seed = seed, Offset = offset },
            KernelCost.Streaming(mu.Length, 1, 1, 12));

    public void Output(Tensor mu, Tensor noise, Tensor times, Tensor? upstream, Tensor result, in ContinuousFlow flow, int rowLength)
    {
        var args = new FlowOutputArgs
        {
            Mu = mu.View(), Noise = noise.View(), Times = times.View(), Upstream = (upstream ?? result).View(), Result = result.View(), Flow = flow, RowLength = rowLength,
        };
        if (upstream is null) Launcher.Device(device, BayesianFlowKernels.OutputDevice, result.Length, args, KernelCost.Streaming(result.Length, 2, 1, 10));
        else Launcher.Device(device, BayesianFlowKernels.OutputBackwardDevice, result.Length, args, KernelCost.Streaming(result.Length, 3, 1, 10));
    }

    public void Update(Tensor mu, Tensor prediction, Tensor result, float precision, float accuracy, ulong seed, ulong offset) =>
        Launcher.Device(device, BayesianFlowKernels.UpdateDevice, result.Length,
            new FlowUpdateArgs { Mu = mu.View(), Prediction = prediction.View(), Result = result.View(), Precision = precision, Accuracy = accuracy, Seed = seed, Offset = offset },
            KernelCost.Streaming(result.Length, 2, 1, 12));

    public void BinaryEvidence(Tensor x, Tensor accuracy, Tensor result, int rowLength, ulong seed, ulong offset) =>
        Launcher.Device(device, BinaryFlowKernels.EvidenceDevice, result.Length,
            new BinaryEvidenceArgs { X = x.View(), Accuracy = accuracy.View(), Result = result.View(), RowLength = rowLength, Seed = seed, Offset = offset },
            KernelCost.Streaming(result.Length, 1, 1, 12));

    public void BinaryUpdate(Tensor logits, Tensor probability, Tensor result, float accuracy, ulong seed, ulong offset) =>
        Launcher.Device(device, BinaryFlowKernels.UpdateDevice, result.Length,
            new BinaryUpdateArgs { Logits = logits.View(), Probability = probability.View(), Result = result.View(), Accuracy = accuracy, Seed = seed, Offset = offset },
            KernelCost.Streaming(result.Length, 2, 1, 14));

    public void CategoricalEvidence(Tensor classes, Tensor accuracy, Tensor result, int variables, int classCount, ulong seed, ulong offset) =>
        Launcher.Device(device, CategoricalFlowKernels.EvidenceDevice, result.Length,
            new CategoricalEvidenceArgs { Classes = classes.View(), Accuracy = accuracy.View(), Result = result.View(), Variables = variables, ClassCount = classCount, Seed = seed, Offset = offset },
            KernelCost.Streaming(result.Length, 1, 1, 12));

    public void CategoricalUpdate(Tensor logits, Tensor probability, Tensor result, int variables, int classCount, float accuracy, ulong seed, ulong offset) =>
        Launcher.Device(device, CategoricalFlowKernels.UpdateDevice, result.Length / classCount,
            new CategoricalUpdateArgs { Logits = logits.View(), Probability = probability.View(), Result = result.View(), Variables = variables, ClassCount = classCount, Accuracy = accuracy, Seed = seed, Offset = offset },
            KernelCost.Streaming(result.Length, 2, 1, 14));
}
