using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GpuGen.Perf.Torch;

/// <summary>
/// The libtorch baselines of GpuGen.Perf's DiffusionBenchmarks. DdpmToyStep, as a PyTorch DDPM toy
/// writes it: a fresh batch of 256 swiss-roll points (make_swiss_roll, noise 0.5, (x, z) / 10), t
/// uniform in [0, 100), ε ~ N(0, I), x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε by gathering the schedule, the
/// 32-d sinusoidal embedding of t, the MLP (2 + 32 → 128 × 3 SiLU → 2), MSE, backward,
/// Adam(1e-3), and the loss read back. BfnToyStep, as the BFN paper's continuous-data code writes it:
/// t ~ U(0, 1), γ = 1 − σ₁^(2t), μ = γx + √(γ(1 − γ))·ε, ε̂ from the same MLP (t·1000 embedded),
/// x̂ = clamp(μ/γ − √((1 − γ)/γ)·ε̂, ±2), loss mean(−ln σ₁·σ₁^(−2t)·‖x − x̂‖²). libtorch on 2 threads.
/// </summary>
public class TorchDiffusionBenchmarks
{
    private const int Batch = 256, Steps = 100, Embedding = 32;
    private Module<Tensor, Tensor> _mlp = null!;
    private optim.Optimizer _adam = null!;
    private Tensor _sqrtAlphaBar = null!, _sqrtOneMinusAlphaBar = null!, _frequencies = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Environment.ProcessorCount);
        torch.manual_seed(1);
        _mlp = Sequential(Linear(2 + Embedding, 128), SiLU(), Linear(128, 128), SiLU(), Linear(128, 128), SiLU(), Linear(128, 2));
        _adam = optim.Adam(_mlp.parameters(), lr: 1e-3);
        var betas = torch.linspace(1e-4, 0.05, Steps, dtype: float64);
        var alphaBar = torch.cumprod(1 - betas, 0);
        _sqrtAlphaBar = alphaBar.sqrt().to(float32);
        _sqrtOneMinusAlphaBar = (1 - alphaBar).sqrt().to(float32);
        int half = Embedding / 2;
        _frequencies = torch.exp(torch.arange(half, dtype: float32) * (float)(-Math.Log(10000) / (half - 1)));
    }

    private static Tensor SwissRoll()
    {
        var t = 1.5 * Math.PI * (1 + 2 * torch.rand(Batch));
        var points = torch.stack([t * torch.cos(t), t * torch.sin(t)], 1) + 0.5f * torch.randn(Batch, 2);
        return points / 10f;
    }

    private Tensor Predict(Tensor x, Tensor t)
    {
        var angles = t.unsqueeze(1) * _frequencies.unsqueeze(0);
        return _mlp.forward(torch.cat([x, torch.sin(angles), torch.cos(angles)], 1));
    }

    private void Step(Tensor loss)
    {
        _adam.zero_grad();
        loss.backward();
        _adam.step();
        _ = loss.item<float>();
    }

    [Benchmark]
    public void DdpmToyStep()
    {
        using var scope = torch.NewDisposeScope();
        var x0 = SwissRoll();
        var t = torch.randint(0, Steps, new long[] { Batch });
        var noise = torch.randn_like(x0);
        var xt = _sqrtAlphaBar[t].unsqueeze(1) * x0 + _sqrtOneMinusAlphaBar[t].unsqueeze(1) * noise;
        Step(functional.mse_loss(Predict(xt, t.to(float32)), noise));
    }

    [Benchmark]
    public void BfnToyStep()
    {
        const double sigma1 = 0.02;
        using var scope = torch.NewDisposeScope();
        var x = SwissRoll();
        var t = torch.rand(Batch, 1);
        var gamma = 1 - torch.pow(sigma1, 2 * t);
        var mu = gamma * x + torch.sqrt(gamma * (1 - gamma)) * torch.randn_like(x);
        var eps = Predict(mu, 1000f * t.squeeze(1));
        var xhat = torch.clamp(mu / gamma - torch.sqrt((1 - gamma) / gamma) * eps, -2, 2);
        var weight = -Math.Log(sigma1) * torch.pow(sigma1, -2 * t);
        Step((weight * (x - xhat).pow(2).sum(1, keepdim: true)).mean());
    }
}
