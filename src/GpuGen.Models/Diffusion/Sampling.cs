using GpuGen.Nn;

namespace GpuGen.Models.Diffusion;

/// <summary>What every sampler of a trained network shares: no tape, the network in evaluation mode
/// (running statistics, no dropout) for the duration, and its mode restored afterwards.</summary>
internal static class Sampling
{
    public static T InEvaluationMode<T>(Module network, Func<T> sample)
    {
        using var noGrad = Autograd.NoGrad();
        bool wasTraining = network.Training;
        network.Eval();
        try
        {
            return sample();
        }
        finally
        {
            network.Train(wasTraining);
        }
    }

    /// <summary>The device of a network's parameters.</summary>
    public static Device DeviceOf(Module network) =>
        network.NamedParameters().FirstOrDefault().Tensor?.Device ?? throw new InvalidOperationException($"{network.GetType().Name}: the network has no parameters");
}
