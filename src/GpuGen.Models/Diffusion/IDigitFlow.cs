namespace GpuGen.Models.Diffusion;

/// <summary>A Bayesian Flow Network of digits, binary (<see cref="BinaryBfn"/>) or discretised
/// (<see cref="DiscretisedBfn"/>), as <see cref="DigitBfnPlan"/> trains, scores and samples it. Losses are
/// per image [B], summed over pixels, in nats.</summary>
public interface IDigitFlow
{
    /// <summary>"binary" or "discretised": the checkpoint's flow.</summary>
    string Kind { get; }

    DenoisingNetwork Network { get; }

    /// <summary>Pixels per image (784).</summary>
    int Pixels { get; }

    /// <summary>True when the model reads binarized digits (a fresh Bernoulli draw each epoch, the test split binarized once).</summary>
    bool Binarized { get; }

    /// <summary>The data as the model reads it, from a batch of images in [0, 1] (binarized already when <see cref="Binarized"/>).</summary>
    Tensor Prepare(Tensor images);

    /// <summary>The training loss: L^∞ averaged over the batch.</summary>
    Tensor Loss(Tensor x, Generator stream);

    Tensor ContinuousLoss(Tensor x, Generator stream);
    Tensor DiscreteLoss(Tensor x, int steps, Generator stream);
    Tensor ReconstructionLoss(Tensor x, Generator stream);

    /// <summary>n images [n, Pixels] as intensities in [0, 1], by <paramref name="steps"/> Bayesian updates;
    /// the visitor sees the input distribution (as an image) before each step and the result.</summary>
    Tensor Sample(int n, Generator stream, int steps, Action<string, Tensor>? visit = null);
}
