using ILGPU;

namespace GpuGen.Kernels;

/// <summary>
/// Read access to a strided row of floats wherever it lives, so that a scan written once (an
/// argmax, a categorical draw) serves the device kernel and the host kernel alike.
/// </summary>
public interface IFloatRow
{
    float this[int k] { get; }
}

/// <summary>Elements Start, Start + Stride, … of a device buffer.</summary>
public struct ViewRow(ArrayView<float> view, long start, long stride) : IFloatRow
{
    public ArrayView<float> View = view;
    public long Start = start, Stride = stride;
    public readonly float this[int k] => View[Start + k * Stride];
}

/// <summary>Elements Start, Start + Stride, … of a host array.</summary>
public struct ArrayRow(float[] array, int start, int stride) : IFloatRow
{
    public float[] Array = array;
    public int Start = start, Stride = stride;
    public readonly float this[int k] => Array[Start + k * Stride];
}

/// <summary>Write access to a row of floats wherever it lives (the output side of <see cref="IFloatRow"/>).</summary>
public interface IFloatSink
{
    void Set(int k, float value);
}

/// <summary>Elements Start, Start + 1, … of a device buffer, written.</summary>
public struct ViewSink(ArrayView<float> view, long start) : IFloatSink
{
    public ArrayView<float> View = view;
    public long Start = start;
    public readonly void Set(int k, float value) => View[Start + k] = value;
}

/// <summary>Elements Start, Start + 1, … of a host array, written.</summary>
public struct ArraySink(float[] array, int start) : IFloatSink
{
    public float[] Array = array;
    public int Start = start;
    public readonly void Set(int k, float value) => Array[Start + k] = value;
}
