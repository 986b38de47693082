using GpuGen.Nn;

namespace GpuGen.Models.Classifiers;

/// <summary>
/// A multilayer perceptron classifier: Linear layers with ReLU between them, logits out
/// (e.g. 784-400-400-10 for MNIST). Children are named <c>net.0</c>, <c>net.2</c>, … as a
/// PyTorch nn.Sequential would name them.
/// </summary>
public sealed class MlpClassifier : Module
{
    public MlpClassifier(int[] sizes, Generator generator, Device? device = null)
    {
        if (sizes.Length < 2 || sizes.Any(s => s <= 0))
            throw new ArgumentException($"mlp: need at least an input and an output size, all positive; got [{string.Join(", ", sizes)}]");
        var layers = new List<Module>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            layers.Add(new Linear(sizes[i], sizes[i + 1], generator, device));
            if (i + 2 < sizes.Length) layers.Add(Activation.Relu());
        }
        Net = AddModule("net", new Sequential([.. layers]));
    }

    public Sequential Net { get; }

    public override Tensor Forward(Tensor x) => Net.Forward(x);
}
