namespace GpuGen.Perf;

/// <summary>The DCGAN's five convolutions at MNIST's size, shared by GpuGen.Perf's DcganLayerBenchmarks
/// and GpuGen.Perf.Torch's libtorch twin (which links this file), so both measure the same shapes.</summary>
public static class DcganLayerShapes
{
    /// <summary>(input channels, output channels, kernel, stride, padding, input size, transposed, input needs grad).</summary>
    public static (int C, int O, int K, int S, int P, int Size, bool Transposed, bool InputGrad) Of(string layer) => layer switch
    {
        "D1 conv 1->64 28->14" => (1, 64, 4, 2, 1, 28, false, false),
        "D2 conv 64->128 14->7" => (64, 128, 4, 2, 1, 14, false, true),
        "G1 convT 100->128 1->7" => (100, 128, 7, 1, 0, 1, true, false),
        "G2 convT 128->64 7->14" => (128, 64, 4, 2, 1, 7, true, true),
        "G3 convT 64->1 14->28" => (64, 1, 4, 2, 1, 14, true, true),
        _ => throw new ArgumentException(layer),
    };
}
