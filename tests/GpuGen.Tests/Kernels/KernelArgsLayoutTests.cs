using System.Reflection;
using GpuGen.Kernels.Blas1;
using ILGPU;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// Every kernel's arguments struct ends on an 8-byte boundary in the form OpenCL sees it, so that
/// clSetKernelArg gets OpenCL C's sizeof (rusticl, as the OpenCL spec says, refuses any other size with
/// CL_INVALID_ARG_SIZE; ILGPU 1.5.3 passes a size without the trailing padding a C compiler adds). ILGPU
/// hands OpenCL each struct flattened, nested structs inlined, every view as an int offset and a long
/// length, an empty struct as one char, each field at its natural alignment. A field of a type parameter
/// (an op that may or may not carry fields) has an unknown size: a long after it restores the count.
/// </summary>
public class KernelArgsLayoutTests
{
    private static IEnumerable<Type> ArgsTypes() =>
        typeof(FillArgs).Assembly.GetTypes().Where(t => t.IsValueType && t.IsPublic && t.Name.Split('`')[0].EndsWith("Args", StringComparison.Ordinal));

    [Test]
    public void EveryArgsStructEndsOnEightBytesAsOpenClSeesIt()
    {
        var types = ArgsTypes().ToList();
        Assert.That(types, Has.Count.GreaterThan(30), "the kernels' args structs are found");
        var wrong = types.Select(t => (t, End: EndModulo8(t, 0))).Where(x => x.End != 0)
            .Select(x => $"{x.t.Name} ends at {(x.End is { } e ? $"8k + {e}" : "an unknown offset (add a long after the type-parameter field)")}");
        Assert.That(string.Join("; ", wrong), Is.Empty);
    }

    [Test]
    public void TheRuleSeesTheStructsThatFailedOnOpenCl()
    {
        // What rusticl refused before the padding: a view and a float; a view and an op field of a type parameter with nothing 8 bytes wide after it.
        Assert.That(EndModulo8(typeof(ViewAndFloat), 0), Is.EqualTo(4));
        Assert.That(EndModulo8(typeof(ViewAndOp<>), 0), Is.Null);
        Assert.That(EndModulo8(typeof(ViewAndLong), 0), Is.EqualTo(0));
    }

    public struct ViewAndFloat { public ArrayView<float> Y; public float Value; }
    public struct ViewAndLong { public ArrayView<float> Y; public float Value; public long Tail; }
    public struct ViewAndOp<TOp> where TOp : struct { public ArrayView<float> Y; public TOp Op; }

    /// <summary>The offset (mod 8) after the struct's flattened fields, starting at <paramref name="offset"/>
    /// (mod 8), or null when a type-parameter field made it unknown.</summary>
    private static int? EndModulo8(Type type, int? offset)
    {
        var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        if (fields.Length == 0) return Place(offset, 1, 1);
        foreach (var field in fields.OrderBy(f => f.MetadataToken))
        {
            var t = field.FieldType;
            if (t.IsGenericParameter) offset = null;
            else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ArrayView<>)) offset = Place(Place(offset, 4, 4), 8, 8);
            else if (t.IsPrimitive) offset = Place(offset, System.Runtime.InteropServices.Marshal.SizeOf(t), System.Runtime.InteropServices.Marshal.SizeOf(t));
            else if (t.IsValueType) offset = EndModulo8(t, offset);
            else throw new InvalidOperationException($"{type.Name}.{field.Name}: a {t.Name} cannot go to a kernel");
        }
        return offset;
    }

    // A field of this size and alignment placed after offset (mod 8); an 8-aligned field makes an unknown offset known again.
    private static int? Place(int? offset, int size, int alignment)
    {
        if (offset is not { } o) return alignment == 8 ? 0 : null;
        int start = (o + alignment - 1) / alignment * alignment;
        return (start + size) % 8;
    }
}
