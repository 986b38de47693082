using GpuGen.Nn;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// The BFN paper's MLP for digits: the input distribution's parameters for the 784 pixels (2θ − 1 for
/// binary data, the means μ for discretised data) and the time t as one more input (785) → <c>width</c>
/// ReLU units × <c>depth</c> → <c>outputsPerPixel</c> × 784 outputs (binary: the logit of class 1;
/// discretised: the noise's mean and log standard deviation; K classes: K planes of logits, reading K planes of 2θ − 1). The time input is t·<c>timeScale</c> (a BFN's
/// t ∈ [0, 1] as it is; a DDPM's timestep divided by T). Images [B, C, H, W] are read flattened and the
/// output given back as [B, outputsPerPixel, H, W].
/// </summary>
public sealed class DigitFlowMlp : DenoisingNetwork, IDigitNetwork
{
    public DigitFlowMlp(Generator init, Device device, int outputsPerPixel, int pixels = 784, int width = 512, int depth = 2, float timeScale = 1f, int inputsPerPixel = 1)
    {
        if (width <= 0 || depth <= 0 || pixels <= 0 || outputsPerPixel <= 0 || inputsPerPixel <= 0)
            throw new ArgumentException($"digit flow MLP: need positive sizes, got {pixels} pixels, {width} wide, {depth} deep, {inputsPerPixel} inputs and {outputsPerPixel} outputs a pixel");
        (Pixels, Width, Depth, OutputsPerPixel, InputsPerPixel, Device, TimeScale) = (pixels, width, depth, outputsPerPixel, inputsPerPixel, device, timeScale);
        Mlp = AddModule("mlp", Sequential.Mlp([inputsPerPixel * pixels + 1, .. Enumerable.Repeat(width, depth), outputsPerPixel * pixels], Activation.Relu, init, device));
    }

    public Sequential Mlp { get; }
    public Device Device { get; }
    public int Pixels { get; }
    public int Width { get; }
    public int Depth { get; }
    public int OutputsPerPixel { get; }
    public int InputsPerPixel { get; }
    public float TimeScale { get; }

    public override Tensor Forward(Tensor input, Tensor times)
    {
        var flat = input.Rank == 2 ? input : input.Reshape(input.Shape[0], -1);
        var time = TimeScale == 1f ? times : Ops.Mul(times, TimeScale);
        var output = Mlp.Forward(Ops.Concat([flat, time.Reshape(-1, 1)], 1));
        return input.Rank == 4 ? output.Reshape(input.Shape[0], OutputsPerPixel, input.Shape[2], input.Shape[3]) : output;
    }
}
