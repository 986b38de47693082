using GpuGen.Nn;

namespace GpuGen.Models.Classifiers;

/// <summary>
/// A multilayer perceptron classifier: Linear layers with ReLU between them, logits out
/// (e.g. 784-400-400-10 for MNIST). Children are named <c>net.0</c>, <c>net.2</c>, … as a
/// PyTorch nn.Sequential would name them.
/// </summary>
public sealed class MlpClassifier : Module
{
    public MlpClassifier(int[] sizes, Generator generator, Device? device = null) =>
        Net = AddModule("net", Sequential.Mlp(sizes, Activation.Relu, generator, device));

    public Sequential Net { get; }

    public override Tensor Forward(Tensor x) => Net.Forward(x);
}
