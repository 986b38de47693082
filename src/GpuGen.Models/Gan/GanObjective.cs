using GpuGen.Nn;
using GpuGen.Optim;

namespace GpuGen.Models.Gan;

/// <summary>The adversarial games of the GAN family.</summary>
public enum GanKind
{
    /// <summary>Goodfellow et al. 2014: D a classifier (logits), cross-entropy; the generator's
    /// loss saturating (min log(1 − D(G(z)))) or non-saturating (max log D(G(z))).</summary>
    Gan,
    /// <summary>Arjovsky et al. 2017: a critic, E D(fake) − E D(real), weights clipped to ±c after each critic step.</summary>
    Wgan,
    /// <summary>Gulrajani et al. 2017: the same critic loss plus λ·(‖∇ₓ̂D‖ − 1)², no clipping.</summary>
    WganGp,
    /// <summary>Mirza &amp; Osindero 2014: the GAN's game with the label (one-hot) fed to both G and D.</summary>
    ConditionalGan,
    /// <summary>Radford et al. 2016: the GAN's non-saturating game between a transposed-convolution
    /// generator and a strided-convolution discriminator, both with BatchNorm (digits only).</summary>
    Dcgan,
}

/// <summary>The settings of one game: its kind, critic steps per generator step, λ, the clip, and
/// which generator loss a plain GAN uses.</summary>
public sealed record GanSettings(GanKind Kind, int CriticIters, float Lambda = 10f, float Clip = 0.01f, bool Saturating = false)
{
    /// <summary>True for the cross-entropy games (GAN, conditional GAN), false for the Wasserstein ones.</summary>
    public bool CrossEntropy => Kind is GanKind.Gan or GanKind.ConditionalGan or GanKind.Dcgan;

    /// <summary>The names of the values one iteration reports, first the progress bar's.</summary>
    public string[] Terms => Kind switch
    {
        GanKind.WganGp => ["critic_loss", "generator_loss", "wasserstein_estimate", "gradient_penalty"],
        GanKind.Wgan => ["critic_loss", "generator_loss", "wasserstein_estimate"],
        _ => ["discriminator_loss", "generator_loss", "d_real", "d_fake"],
    };
}

/// <summary>
/// One training iteration of a GAN: <see cref="GanSettings.CriticIters"/> critic (discriminator)
/// steps, each on its own slice of real data and a fresh generated batch, then one generator
/// step. Written over functions (critic, sampler) so that the MLP and convolutional families
/// share it.
///
/// Critic losses: WGAN and WGAN-GP minimise E D(G(z)) − E D(x) (+ the penalty); a GAN minimises
/// BCE(D(x), 1) + BCE(D(G(z)), 0) on logits. Generator losses: −E D(G(z)) for the Wasserstein
/// games; for a GAN, the non-saturating BCE(D(G(z)), 1) = E softplus(−D) or the saturating
/// −BCE(D(G(z)), 0) = −E softplus(D), i.e. min E log(1 − σ(D)).
/// </summary>
public sealed class GanObjective(GanSettings settings, Module critic, Func<int, Generator, Tensor> sample,
    Optimizer criticOptimizer, Optimizer generatorOptimizer, Generator noise)
{
    public GanSettings Settings { get; } = settings;

    /// <summary>The iteration on <paramref name="real"/>, CriticIters·B rows of real data; returns the values of <see cref="GanSettings.Terms"/>.</summary>
    public double[] Iterate(Tensor real)
    {
        int k = Settings.CriticIters, batch = real.Shape[0] / k;
        double criticLoss = 0, extra1 = 0, extra2 = 0;
        for (int i = 0; i < k; i++)
            using (new TensorScope())
            {
                var x = real[(i * batch)..((i + 1) * batch)];
                Tensor fake;
                using (Autograd.NoGrad()) fake = sample(batch, noise);
                var dReal = critic.Forward(x);
                var dFake = critic.Forward(fake);
                Tensor loss;
                if (Settings.CrossEntropy)
                {
                    loss = Ops.Add(Ops.Mean(Ops.Softplus(Ops.Neg(dReal))), Ops.Mean(Ops.Softplus(dFake))); // BCE(D(x), 1) + BCE(D(G(z)), 0)
                    extra1 = Ops.Mean(Ops.Sigmoid(dReal)).Item();
                    extra2 = Ops.Mean(Ops.Sigmoid(dFake)).Item();
                }
                else
                {
                    var distance = Ops.Sub(Ops.Mean(dReal), Ops.Mean(dFake)); // the critic's estimate of W(P_data, P_G)
                    loss = Ops.Neg(distance);
                    extra1 = distance.Item();
                    if (Settings.Kind == GanKind.WganGp)
                    {
                        var penalty = Ops.GradientPenalty(critic.Forward, x, fake, noise, Settings.Lambda);
                        extra2 = penalty.Item();
                        loss = Ops.Add(loss, penalty);
                    }
                }
                criticLoss = loss.Item();
                criticOptimizer.ZeroGrad();
                loss.Backward();
                criticOptimizer.Step();
                if (Settings.Kind == GanKind.Wgan) Clip(critic, Settings.Clip);
            }

        double generatorLoss;
        var criticParameters = critic.Parameters();
        foreach (var p in criticParameters) p.RequiresGrad = false; // the generator's backward needs D's input gradients only (as gan_toy.py)
        try
        {
            using (new TensorScope())
            {
                var score = critic.Forward(sample(batch, noise));
                var loss = !Settings.CrossEntropy ? Ops.Neg(Ops.Mean(score))
                    : Settings.Saturating ? Ops.Neg(Ops.Mean(Ops.Softplus(score))) // min E log(1 − σ(D)) = −E softplus(D)
                    : Ops.Mean(Ops.Softplus(Ops.Neg(score)));                    // max E log σ(D) = min E softplus(−D)
                generatorLoss = loss.Item();
                generatorOptimizer.ZeroGrad();
                loss.Backward();
                generatorOptimizer.Step();
            }
        }
        finally
        {
            foreach (var p in criticParameters) p.RequiresGrad = true;
        }
        return Settings.Kind switch
        {
            GanKind.WganGp => [criticLoss, generatorLoss, extra1, extra2],
            GanKind.Wgan => [criticLoss, generatorLoss, extra1],
            _ => [criticLoss, generatorLoss, extra1, extra2],
        };
    }

    /// <summary>Clamps every critic parameter to [−c, c] in place (the WGAN's Lipschitz constraint).</summary>
    private static void Clip(Module critic, float c)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        foreach (var p in critic.Parameters()) Ops.Copy(Ops.Clamp(p, -c, c), p);
    }
}
