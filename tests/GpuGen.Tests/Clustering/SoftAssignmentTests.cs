using GpuGen.Models.Clustering;

namespace GpuGen.Tests.Clustering;

public class SoftAssignmentTests
{
    private static Device Cpu => TestSupport.Cpu;

    /// <summary>q_ij in double: (1 + ‖z_i − μ_j‖²/α)^(−(α+1)/2), normalised over j.</summary>
    private static double[] StudentTReference(float[] z, float[] mu, int b, int k, int d, double alpha)
    {
        var q = new double[b * k];
        for (int i = 0; i < b; i++)
        {
            double total = 0;
            for (int j = 0; j < k; j++)
            {
                double squared = 0;
                for (int c = 0; c < d; c++) squared += Math.Pow((double)z[i * d + c] - mu[j * d + c], 2);
                total += q[i * k + j] = Math.Pow(1 + squared / alpha, -(alpha + 1) / 2);
            }
            for (int j = 0; j < k; j++) q[i * k + j] /= total;
        }
        return q;
    }

    [TestCase(1f)]
    [TestCase(2.5f)]
    public void StudentTMatchesADoubleReference(float alpha)
    {
        const int b = 37, k = 7, d = 10;
        var z = TestSupport.RandomArray(b * d, 1);
        var mu = TestSupport.RandomArray(k * d, 2);
        using var scope = new TensorScope();
        var q = SoftAssignment.StudentT(Tensor.FromArray(z, Shape.Of(b, d), Cpu), Tensor.FromArray(mu, Shape.Of(k, d), Cpu), alpha).ToArray();
        var expected = StudentTReference(z, mu, b, k, d, alpha);
        for (int i = 0; i < q.Length; i++) Assert.That(q[i], Is.EqualTo(expected[i]).Within(2e-6 + 1e-5 * expected[i]), $"q[{i / k}, {i % k}]");
    }

    [Test]
    public void TargetMatchesADoubleReference()
    {
        const int n = 300, k = 10;
        var rng = new Random(3);
        var q = new float[n * k];
        for (int i = 0; i < n; i++)
        {
            double total = 0;
            var row = Enumerable.Range(0, k).Select(_ => rng.NextDouble() + 0.01).ToArray();
            foreach (var v in row) total += v;
            for (int j = 0; j < k; j++) q[i * k + j] = (float)(row[j] / total);
        }
        var p = SoftAssignment.Target(q, n, k);
        var frequency = Enumerable.Range(0, k).Select(j => Enumerable.Range(0, n).Sum(i => (double)q[i * k + j])).ToArray();
        for (int i = 0; i < n; i++)
        {
            var row = Enumerable.Range(0, k).Select(j => (double)q[i * k + j] * q[i * k + j] / frequency[j]).ToArray();
            double total = row.Sum();
            for (int j = 0; j < k; j++) Assert.That(p[i * k + j], Is.EqualTo(row[j] / total).Within(1e-6), $"p[{i}, {j}]");
        }
        // the target is sharper than q: each row's largest probability grows
        for (int i = 0; i < n; i++)
            Assert.That(Enumerable.Range(0, k).Max(j => p[i * k + j]), Is.GreaterThan(Enumerable.Range(0, k).Max(j => q[i * k + j]) * 0.999));
    }

    /// <summary>
    /// The tape's gradients of KL(P ‖ Q) (averaged over the batch) against the paper's closed forms
    /// (Xie et al. 2016, eqs. 4 and 5, for α = 1): ∂L/∂z_i = (2/b) Σ_j (1 + ‖z_i − μ_j‖²)^−1 (p_ij − q_ij)(z_i − μ_j)
    /// and ∂L/∂μ_j = −(2/b) Σ_i (1 + ‖z_i − μ_j‖²)^−1 (p_ij − q_ij)(z_i − μ_j), in double.
    /// </summary>
    [Test]
    public void KlGradientsMatchThePapersClosedForms()
    {
        const int b = 20, k = 5, d = 4;
        var z = TestSupport.RandomArray(b * d, 11);
        var mu = TestSupport.RandomArray(k * d, 12);
        var q = StudentTReference(z, mu, b, k, d, 1);
        var p = SoftAssignment.Target(q.Select(v => (float)v).ToArray(), b, k);
        using var scope = new TensorScope();
        var codes = Tensor.FromArray(z, Shape.Of(b, d), Cpu);
        var centres = Tensor.FromArray(mu, Shape.Of(k, d), Cpu);
        codes.RequiresGrad = true;
        centres.RequiresGrad = true;
        var loss = SoftAssignment.KlDivergence(Tensor.FromArray(p, Shape.Of(b, k), Cpu), SoftAssignment.StudentT(codes, centres));
        loss.Backward();
        var gz = codes.Grad!.ToArray();
        var gmu = centres.Grad!.ToArray();
        var expectedZ = new double[b * d];
        var expectedMu = new double[k * d];
        double kl = 0;
        for (int i = 0; i < b; i++)
            for (int j = 0; j < k; j++)
            {
                double squared = 0;
                for (int c = 0; c < d; c++) squared += Math.Pow((double)z[i * d + c] - mu[j * d + c], 2);
                double weight = 2.0 / b / (1 + squared) * (p[i * k + j] - q[i * k + j]);
                for (int c = 0; c < d; c++)
                {
                    double difference = (double)z[i * d + c] - mu[j * d + c];
                    expectedZ[i * d + c] += weight * difference;
                    expectedMu[j * d + c] -= weight * difference;
                }
                kl += p[i * k + j] * Math.Log(p[i * k + j] / q[i * k + j]) / b;
            }
        Assert.That(loss.Item(), Is.EqualTo(kl).Within(1e-5 + 1e-4 * kl));
        for (int i = 0; i < gz.Length; i++) Assert.That(gz[i], Is.EqualTo(expectedZ[i]).Within(1e-6 + 1e-4 * Math.Abs(expectedZ[i])), $"∂L/∂z {i}");
        for (int i = 0; i < gmu.Length; i++) Assert.That(gmu[i], Is.EqualTo(expectedMu[i]).Within(1e-6 + 1e-4 * Math.Abs(expectedMu[i])), $"∂L/∂μ {i}");
    }

    [Test]
    public void HardAssignmentIsTheRowArgmax()
    {
        float[] q = [0.1f, 0.7f, 0.2f, 0.5f, 0.2f, 0.3f, 0.3f, 0.3f, 0.4f];
        Assert.That(SoftAssignment.Hard(q, 3, 3), Is.EqualTo(new[] { 1, 0, 2 }));
    }
}
