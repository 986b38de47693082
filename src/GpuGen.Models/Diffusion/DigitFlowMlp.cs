using GpuGen.Nn;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// The BFN paper's MLP for digits: the input distribution's parameters for the 784 pixels (2θ − 1 for
/// binary data, the means μ for discretised data) and the time t as one more input (785) → <c>width</c>
/// ReLU units × <c>depth</c> → <c>outputsPerPixel</c> × 784 outputs (binary: the logit of class 1;
/// discretised: the noise's mean and log standard deviation).
/// </summary>
public sealed class DigitFlowMlp : DenoisingNetwork
{
    public DigitFlowMlp(Generator init, Device device, int outputsPerPixel, int pixels = 784, int width = 512, int depth = 2)
    {
        if (width <= 0 || depth <= 0 || pixels <= 0 || outputsPerPixel <= 0)
            throw new ArgumentException($"digit flow MLP: need positive sizes, got {pixels} pixels, {width} wide, {depth} deep, {outputsPerPixel} outputs a pixel");
        (Pixels, Width, Depth, OutputsPerPixel, Device) = (pixels, width, depth, outputsPerPixel, device);
        Mlp = AddModule("mlp", Sequential.Mlp([pixels + 1, .. Enumerable.Repeat(width, depth), outputsPerPixel * pixels], Activation.Relu, init, device));
    }

    public Sequential Mlp { get; }
    public Device Device { get; }
    public int Pixels { get; }
    public int Width { get; }
    public int Depth { get; }
    public int OutputsPerPixel { get; }

    public override Tensor Forward(Tensor input, Tensor times) => Mlp.Forward(Ops.Concat([input, times.Reshape(-1, 1)], 1));
}
