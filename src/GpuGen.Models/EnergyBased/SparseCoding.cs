using System.Globalization;
using GpuGen.Nn;

namespace GpuGen.Models.EnergyBased;

/// <summary>
/// How sparse coding infers and learns.
/// </summary>
/// <param name="Atoms">K, the dictionary's columns.</param>
/// <param name="Lambda">λ, the weight of ‖z‖₁ in the energy.</param>
/// <param name="IstaSteps">ISTA iterations per inference.</param>
/// <param name="PowerSteps">Power iterations per training step (warm-started, so a few suffice).</param>
public sealed record SparseCodingSettings(int Atoms, float Lambda, int IstaSteps, int PowerSteps = 5)
{
    public Dictionary<string, string> ToMetadata() => new()
    {
        ["atoms"] = Atoms.ToString(CultureInfo.InvariantCulture),
        ["lambda"] = Lambda.ToString("R", CultureInfo.InvariantCulture),
        ["ista_steps"] = IstaSteps.ToString(CultureInfo.InvariantCulture),
        ["power_steps"] = PowerSteps.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// Sparse coding (Olshausen &amp; Field 1996), the latent-variable energy-based model of LeCun's lectures:
/// E(x, z) = ½‖x − Dz‖² + λ‖z‖₁, with x inferred-into z* = argmin_z E(x, z) (<see cref="Ista"/>) and
/// the dictionary D [P, K] learned by gradient steps on E(x, z*) with z* held fixed, each column then
/// put back on the unit sphere (otherwise D grows and z shrinks to dodge the L1 term). The module's
/// parameter is "dictionary"; its buffer "power_vector" [K] is the power iteration's warm start,
/// kept in checkpoints so that a resumed run continues exactly.
/// </summary>
public sealed class SparseCoding : Module
{
    public SparseCoding(int pixels, SparseCodingSettings settings, Generator init, Device device)
    {
        if (pixels < 1 || settings.Atoms < 1) throw new ArgumentException($"sparse coding: need pixels and atoms ≥ 1, got {pixels} and {settings.Atoms}");
        Settings = settings;
        Dictionary = AddParameter("dictionary", Ops.Normal(Shape.Of(pixels, settings.Atoms), init, device));
        PowerVector = AddBuffer("power_vector", Ops.Normal(Shape.Of(settings.Atoms), init, device));
        NormaliseColumns();
    }

    public SparseCodingSettings Settings { get; }

    /// <summary>D [P, K]: atom k is column k.</summary>
    public Tensor Dictionary { get; }

    public Tensor PowerVector { get; }

    /// <summary>The codes z* [B, K] of rows x [B, P] (η = 1/L, L by warm-started power iteration, which updates <see cref="PowerVector"/>).</summary>
    public Tensor Codes(Tensor x) => Ista.Codes(x, Dictionary, Settings.Lambda, Settings.IstaSteps, PowerVector, Settings.PowerSteps);

    /// <summary>Dz for codes z [B, K]: reconstructions [B, P].</summary>
    public Tensor Reconstruct(Tensor z) => Ops.MatMul(z, Dictionary, transB: true);

    /// <summary>The codes, as the module's function.</summary>
    public override Tensor Forward(Tensor x) => Codes(x);

    /// <summary>
    /// Atoms start as K training examples (rows of <paramref name="examples"/>, drawn uniformly from
    /// <paramref name="init"/>), normalised. From random directions most atoms are never chosen by
    /// the L1-penalised codes, so they get no gradient and stay noise; examples are used from the start.
    /// </summary>
    public void StartFromExamples(Tensor examples, Generator init)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var rows = Ops.RandomIntegers(Shape.Of(Settings.Atoms), examples.Shape[0], init, examples.Device);
        Ops.Copy(Ops.Transpose(Ops.IndexSelect(examples, rows), 0, 1), Dictionary);
        NormaliseColumns();
    }

    /// <summary>D_k ← D_k / ‖D_k‖ for every column, in place.</summary>
    public void NormaliseColumns()
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        Ops.Copy(Ops.Div(Dictionary, Ops.Norm(Dictionary, 0, keepDim: true)), Dictionary);
    }
}

/// <summary>The defaults of <c>gpugen train sparse-coding</c> (the README's run).</summary>
public static class SparseCodingDefaults
{
    public const int Atoms = 256, IstaSteps = 100, Epochs = 5;
    public const float Lambda = 0.5f, LearningRate = 0.1f;
}
