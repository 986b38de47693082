using System.Reflection;
using GpuGen.Kernels.Elementwise;
using GpuGen.Kernels.Gemm;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// Every device kernel, with every op struct the ops instantiate it with, compiled to PTX (sm_80)
/// by ILGPU's CUDA backend — no GPU needed. ILGPU's CPU accelerator runs .NET code and forgives
/// constructs the GPU backends reject (a null array argument, say); this catches them in CI
/// rather than on the first lent GPU. And none touches float64 (no .f64 in its PTX): an OpenCL device
/// may not have it (Mesa's llvmpipe does not), and most GPUs run it at 1/32 to 1/64 of the FP32 rate.
/// </summary>
[NonParallelizable]
public class PtxCompilationTests
{
    private static readonly Lazy<(Context Context, PTXBackend Backend)> Compiler = new(() =>
    {
        var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        return (context, new PTXBackend(context, CudaArchitecture.SM_80, CudaInstructionSet.ISA_70, null!));
    });

    public static IEnumerable<TestCaseData> Kernels()
    {
        var assembly = typeof(GemmDevice).Assembly;
        var structs = assembly.GetTypes().Where(t => t.IsValueType && t.IsPublic && !t.IsGenericTypeDefinition).ToList();
        foreach (var type in assembly.GetTypes().Where(t => t.IsPublic && t.IsAbstract && t.IsSealed)) // static classes
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var parameters = method.GetParameters();
                bool implicitlyGrouped = parameters.Length == 2 && parameters[0].ParameterType == typeof(Index1D);
                // explicitly grouped: one args struct and nothing else (GemmDevice.Tiled, ReduceDevice.ContiguousChunks, ...)
                bool explicitlyGrouped = parameters.Length == 1 && parameters[0].ParameterType.IsValueType
                    && parameters[0].ParameterType.Name.Split('`')[0].EndsWith("Args", StringComparison.Ordinal);
                if (!implicitlyGrouped && !explicitlyGrouped) continue;
                if (!method.IsGenericMethodDefinition)
                {
                    yield return Case(method, explicitlyGrouped);
                    continue;
                }
                // close the kernel over every op struct that satisfies its constraint
                var constraint = method.GetGenericArguments()[0].GetGenericParameterConstraints().Single(c => c.IsInterface);
                foreach (var op in structs.Where(s => constraint.IsAssignableFrom(s)))
                    yield return Case(method.MakeGenericMethod(op), explicitlyGrouped);
                if (constraint == typeof(IUnaryOp)) // the scalar forms of binary ops
                    yield return Case(method.MakeGenericMethod(typeof(WithScalar<Add>)), explicitlyGrouped);
            }
    }

    private static TestCaseData Case(MethodInfo method, bool explicitlyGrouped) =>
        new TestCaseData(method, explicitlyGrouped).SetArgDisplayNames(
            $"{method.DeclaringType!.Name}.{method.Name}" + (method.IsGenericMethod ? $"<{method.GetGenericArguments()[0].Name}>" : ""));

    [TestCaseSource(nameof(Kernels))]
    public void CompilesToPtx(MethodInfo kernel, bool explicitlyGrouped)
    {
        var entry = explicitlyGrouped ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel) : EntryPointDescription.FromImplicitlyGroupedKernel(kernel);
        var compiled = (PTXCompiledKernel)Compiler.Value.Backend.Compile(entry, new KernelSpecialization());
        Assert.That(compiled.PTXAssembly, Does.Contain(".entry"));
        Assert.That(compiled.PTXAssembly, Does.Not.Contain(".f64"), "float64 in a device kernel");
    }

    /// <summary>The TF32 path (CUDA, sm_80+, MatMulPrecision.AllowTf32) is the tensor cores' mma.sync on operands
    /// rounded to TF32; its numbers against FP32 are checked on a GPU (bench-kernels' note, the GPU check).</summary>
    [Test]
    public void TheTf32GemmUsesTensorCoreMma()
    {
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(typeof(GemmTf32Device).GetMethod(nameof(GemmTf32Device.Warp16x8))!);
        var ptx = ((PTXCompiledKernel)Compiler.Value.Backend.Compile(entry, new KernelSpecialization())).PTXAssembly;
        Assert.That(ptx, Does.Contain("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"));
        Assert.That(ptx, Does.Contain("cvt.rna.tf32.f32"));
    }

    [Test]
    public void TheGemmTileLoadsAreVectorised()
    {
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(typeof(GemmDevice).GetMethod(nameof(GemmDevice.Tiled))!);
        var ptx = ((PTXCompiledKernel)Compiler.Value.Backend.Compile(entry, new KernelSpecialization())).PTXAssembly;
        Assert.That(ptx, Does.Contain("ld.v4.f32").Or.Contain("ld.global.v4.f32"), "float4 loads of the A and B tiles");
    }

    /// <summary>The warp-tiled GEMM reads its fragments from shared memory as float4 (16 FMAs per shared load), from a
    /// block ILGPU aligns to 16 bytes (a misaligned ld.shared.v4 faults on a GPU), and keeps its 64 accumulators in
    /// registers (no local memory: the 4 × 4 tiles are passed by value, never indexed).</summary>
    [Test]
    public void TheWarpTiledGemmReadsFloat4FragmentsFromAlignedSharedMemory()
    {
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(typeof(GemmWarpTiledDevice).GetMethod(nameof(GemmWarpTiledDevice.Tiled))!);
        var ptx = ((PTXCompiledKernel)Compiler.Value.Backend.Compile(entry, new KernelSpecialization())).PTXAssembly;
        Assert.That(System.Text.RegularExpressions.Regex.Count(ptx, @"ld\.shared\.v4\.f32"), Is.GreaterThanOrEqualTo(4), "two float4 of A and two of B per k");
        Assert.That(ptx, Does.Match(@"\.shared \.align 16 \.b8 \w+\[" + GemmWarpTiledDevice.SharedFloats * 4 + @"\]"));
        Assert.That(ptx, Does.Not.Contain(".local"), "accumulators spilled to local memory");
        Assert.That(ptx, Does.Contain("bar.sync"));
    }

    /// <summary>The elementwise quad kernels load and store float4: a quarter of the memory instructions.</summary>
    [TestCase(nameof(ElementwiseDevice.Unary4), typeof(Exp))]
    [TestCase(nameof(ElementwiseDevice.Binary4), typeof(Add))]
    public void TheElementwiseQuadKernelsMoveFloat4(string kernel, Type op)
    {
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(typeof(ElementwiseDevice).GetMethod(kernel)!.MakeGenericMethod(op));
        var ptx = ((PTXCompiledKernel)Compiler.Value.Backend.Compile(entry, new KernelSpecialization())).PTXAssembly;
        Assert.That(ptx, Does.Match(@"ld(\.global)?\.v4\.f32"));
        Assert.That(ptx, Does.Match(@"st(\.global)?\.v4\.f32"));
    }
}
