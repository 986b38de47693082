namespace GpuGen.Backends;

/// <summary>
/// The kernels of one device, one interface per kernel family. The host backend (cpu) and the
/// ILGPU backend (cuda, opencl, ilgpu-cpu) each implement every family; ops reach them through
/// <c>tensor.Device.Backend</c>. Operands arrive already checked (alive, same device, shapes
/// that fit), so an implementation only maps tensors to buffers and launches its kernel.
/// To add a family: an interface here, a property on <see cref="IBackend"/>, an implementation
/// in Host/ and in Ilgpu/, and a parity test that runs both against a double reference.
/// </summary>
internal interface IBackend
{
    IBlas1Kernels Blas1 { get; }
    IGemmKernels Gemm { get; }
    IElementwiseKernels Elementwise { get; }
    IReduceKernels Reduce { get; }
    IRandomKernels Random { get; }
    IOptimKernels Optim { get; }
    IConvKernels Conv { get; }
    IReparameterizeKernels Reparameterize { get; }
    IPenaltyKernels Penalty { get; }
    IDiffusionKernels Diffusion { get; }
    IBayesianFlowKernels BayesianFlow { get; }
    INormKernels Norm { get; }
    ILayoutKernels Layout { get; }
    IAugmentKernels Augment { get; }
}

/// <summary>Level-1 kernels, elementwise over the flattened tensors.</summary>
internal interface IBlas1Kernels
{
    /// <summary>y[i] = value.</summary>
    void Fill(Tensor y, float value);

    /// <summary>y[i] = start + i·step.</summary>
    void Ramp(Tensor y, float start, float step);

    /// <summary>y[i] = x[i]; x and y do not overlap.</summary>
    void Copy(Tensor x, Tensor y);

    /// <summary>y[i] = α·y[i].</summary>
    void Scale(Tensor y, float alpha);

    /// <summary>y[i] = α·x[i] + y[i]; x and y are the same elements or do not overlap.</summary>
    void Axpy(float alpha, Tensor x, Tensor y);
}

/// <summary>Matrix products.</summary>
internal interface IGemmKernels
{
    /// <summary>C = α·op(A)·op(B) + β·C (+ bias row), as <see cref="Kernels.Gemm.GemmProblem"/> says;
    /// every operand holds the problem's extents (checked by the op).</summary>
    void Gemm(in Kernels.Gemm.GemmProblem problem, Tensor a, Tensor b, Tensor c, Tensor? bias);
}

/// <summary>Elementwise ops: unary over flat tensors, binary and where with broadcasting.</summary>
internal interface IElementwiseKernels
{
    /// <summary>y[i] = op(x[i]); x and y have one shape (they may be the same tensor).</summary>
    void Unary<TOp>(TOp op, Tensor x, Tensor y) where TOp : struct, Kernels.Elementwise.IUnaryOp;

    /// <summary>y = op(a, b) broadcast as <paramref name="shape"/> says; y does not overlap a or b unless identical.</summary>
    void Binary<TOp>(TOp op, Tensor a, Tensor b, Tensor y, in Kernels.Elementwise.Broadcast shape) where TOp : struct, Kernels.Elementwise.IBinaryOp;

    /// <summary>y = condition ≠ 0 ? a : b, broadcast as <paramref name="shape"/> says (operands A, B, C = condition, a, b).</summary>
    void Where(Tensor condition, Tensor a, Tensor b, Tensor y, in Kernels.Elementwise.Broadcast shape);
}

/// <summary>Reductions along the middle axis of a tensor viewed as [outer, length, inner].</summary>
internal interface IReduceKernels
{
    /// <summary>One level of a chunked fold (see <see cref="Kernels.Reduce.ReduceDevice.Chunks{TOp}"/>):
    /// y [outer, chunks, inner] from x [outer, length, inner]; center (one per [outer, inner]) may be null.</summary>
    void Chunks<TOp>(TOp op, Tensor x, Tensor? center, Tensor y, in Kernels.Reduce.ReduceHost.Layout layout)
        where TOp : struct, Kernels.Reduce.IReduceOp;

    /// <summary>Softmax or log-softmax given the max and Σexp(x − max) per [outer, inner].</summary>
    void Normalize(Tensor x, Tensor max, Tensor sumExp, Tensor y, int outer, int length, int inner, bool log);

    /// <summary>Index (as a float) of the first maximum along the axis, per [outer, inner].</summary>
    void ArgMax(Tensor x, Tensor y, int outer, int length, int inner);
}

/// <summary>Counter-based random numbers: element i of a call keyed (seed, offset) uses Philox block i.</summary>
internal interface IRandomKernels
{
    void Sample<TDist>(TDist distribution, Tensor y, ulong seed, ulong offset) where TDist : struct, Kernels.Random.IDistribution;
    void Bernoulli(Tensor probability, Tensor y, ulong seed, ulong offset);
    void Categorical(Tensor weights, Tensor y, int classes, ulong seed, ulong offset);
}

/// <summary>Fused parameter updates: one launch per parameter tensor.</summary>
internal interface IOptimKernels
{
    void Adam(Tensor p, Tensor g, Tensor m, Tensor v, in Kernels.Optim.AdamHyper hyper);

    /// <summary>buffer is the momentum buffer (unused, and may be p, without momentum).</summary>
    void Sgd(Tensor p, Tensor g, Tensor buffer, in Kernels.Optim.SgdHyper hyper);
}

/// <summary>The convolution family's data movement (the arithmetic is GEMM's).</summary>
internal interface IConvKernels
{
    /// <summary>cols [C·KH·KW, N·OH·OW] from x [N, C, H, W] (see <see cref="Kernels.Conv.ConvGeometry"/>).</summary>
    void Im2Col(Tensor x, Tensor cols, in Kernels.Conv.ConvGeometry g, float padValue);

    /// <summary>x [N, C, H, W] = the sum of the cols entries that cover each pixel (the adjoint of Im2Col).</summary>
    void Col2Im(Tensor cols, Tensor x, in Kernels.Conv.ConvGeometry g);

    /// <summary>y [B, A, R] from x [A, B, R], plus bias[a] when a bias [A] is given.</summary>
    void SwapAxes01(Tensor x, Tensor? bias, Tensor y, int a, int b, int r);
}

/// <summary>
/// The convolution as per-image GEMMs over an in-cache im2col (<see cref="Kernels.Conv.ConvHostGemm"/>),
/// for backends whose IConvKernels also implement it; the others compose Im2Col, GEMM and
/// SwapAxes01. Weights [O, C/groups, KH, KW]; images [N, C, H, W]; outputs [N, O, OH, OW].
/// </summary>
internal interface IConvGemmKernels
{
    void Forward(Tensor x, Tensor weight, Tensor? bias, Tensor y, in Kernels.Conv.ConvGeometry g, int groups);
    void DataGrad(Tensor gy, Tensor weight, Tensor gx, in Kernels.Conv.ConvGeometry g, int groups);
    void WeightGrad(Tensor x, Tensor gy, Tensor gw, in Kernels.Conv.ConvGeometry g, int groups);
}

/// <summary>Copies between layouts (see <see cref="Kernels.Layout.BoxCopy"/>): permutations, slices along any axis, concatenation.</summary>
internal interface ILayoutKernels
{
    /// <summary>The box of <paramref name="x"/> described by <paramref name="box"/> into <paramref name="y"/> (offsets relative to each tensor's first element).</summary>
    void Copy(Tensor x, Tensor y, in Kernels.Layout.BoxCopy box);

    /// <summary>y [n, w] = rows index[i] of x [r, w].</summary>
    void SelectRows(Tensor x, Tensor indices, Tensor y, int width);

    /// <summary>y [r, w] = Σ over i with index[i] = row of g [n, w] (deterministic order).</summary>
    void AddRows(Tensor g, Tensor indices, Tensor y, int width);

    /// <summary>y [b] = x[b, index[b]] for x [b, columns].</summary>
    void GatherColumn(Tensor x, Tensor indices, Tensor y, int columns);

    /// <summary>y [b, columns] = g[b] at column index[b], zero elsewhere.</summary>
    void ScatterColumn(Tensor g, Tensor indices, Tensor y, int columns);
}

/// <summary>Diffusion's fused kernels (<see cref="Kernels.Diffusion.DiffusionKernels"/>).</summary>
internal interface IDiffusionKernels
{
    /// <summary>noise = N(0, 1) draws and xt = √ᾱ[t_b]·x0 + √(1 − ᾱ[t_b])·noise, row b of <paramref name="rowLength"/> values.</summary>
    void ForwardNoise(Tensor x0, Tensor timesteps, Tensor sqrtAlphaBar, Tensor sqrtOneMinusAlphaBar, Tensor xt, Tensor noise, int rowLength, ulong seed, ulong offset);

    /// <summary>result = one reverse step from xt and the predicted noise, z drawn from the stream.</summary>
    void ReverseStep(Tensor xt, Tensor predictedNoise, Tensor result, in Kernels.Diffusion.ReverseStepCoefficients c, ulong seed, ulong offset);
}

/// <summary>Bayesian Flow Networks' fused kernels for continuous data (<see cref="Kernels.Diffusion.BayesianFlowKernels"/>).</summary>
internal interface IBayesianFlowKernels
{
    /// <summary>mu = γ(t_b)·x + √(γ(1 − γ))·ε, ε drawn; row b of <paramref name="rowLength"/> values.</summary>
    void FlowSample(Tensor x, Tensor times, Tensor mu, in Kernels.Diffusion.ContinuousFlow flow, int rowLength, ulong seed, ulong offset);

    /// <summary>result = x̂(μ, ε̂, t) (upstream null), or its gradient with respect to ε̂ times upstream.</summary>
    void Output(Tensor mu, Tensor noise, Tensor times, Tensor? upstream, Tensor result, in Kernels.Diffusion.ContinuousFlow flow, int rowLength);

    /// <summary>result = (ρ·μ + α·(x̂ + z/√α))/(ρ + α), z drawn.</summary>
    void Update(Tensor mu, Tensor prediction, Tensor result, float precision, float accuracy, ulong seed, ulong offset);

    /// <summary>Binary data (<see cref="Kernels.Diffusion.BinaryFlowKernels"/>): result = 2a_b(2x − 1) + 2√a_b·ε, ε drawn.</summary>
    void BinaryEvidence(Tensor x, Tensor accuracy, Tensor result, int rowLength, ulong seed, ulong offset);

    /// <summary>result = logits + 2α(2k − 1) + 2√α·ε with k ~ Bernoulli(probability) and ε drawn.</summary>
    void BinaryUpdate(Tensor logits, Tensor probability, Tensor result, float accuracy, ulong seed, ulong offset);

    /// <summary>K classes (<see cref="Kernels.Diffusion.CategoricalFlowKernels"/>): result [B, K, D] = a_b(K·[k = x] − 1) + √(a_b·K)·ε, ε drawn.</summary>
    void CategoricalEvidence(Tensor classes, Tensor accuracy, Tensor result, int variables, int classCount, ulong seed, ulong offset);

    /// <summary>result [N, K, D] = logits + α(K·[k = k*] − 1) + √(αK)·ε with k* ~ Categorical(probability over the K planes), ε drawn.</summary>
    void CategoricalUpdate(Tensor logits, Tensor probability, Tensor result, int variables, int classCount, float accuracy, ulong seed, ulong offset);
}

/// <summary>The WGAN-GP gradient penalty's fused kernels (<see cref="Kernels.Penalty.GradientPenaltyKernels"/>).</summary>
internal interface IPenaltyKernels
{
    /// <summary>mixed = fake + a_i·(real − fake) per row i of <paramref name="rowLength"/> values, a_i from the stream.</summary>
    void Mix(Tensor real, Tensor fake, Tensor mixed, int rowLength, ulong seed, ulong offset);

    /// <summary>norms[i] = ‖gradient row i‖₂ and penalty[0] = λ/B·Σ(norms − 1)².</summary>
    void Rows(Tensor gradient, Tensor norms, Tensor penalty, int rows, int rowLength, float lambda);

    /// <summary>result = upstream[0]·scale·(n_i − 1)/n_i·gradient, row by row (0 where n_i = 0).</summary>
    void Backward(Tensor gradient, Tensor norms, Tensor upstream, Tensor result, int rowLength, float scale);
}

/// <summary>Training-mode batch normalisation's fused kernels (<see cref="Kernels.Norm.BatchNormKernels"/>), over x [N, C, S].</summary>
internal interface INormKernels
{
    /// <summary>Per channel: mean, biased variance and 1/√(variance + ε).</summary>
    void Moments(Tensor x, Tensor mean, Tensor variance, Tensor invStd, int batch, int channels, int positions, float eps);

    /// <summary>y = γ_c·(x − μ_c)·r_c + β_c.</summary>
    void Normalize(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor invStd, Tensor y, int batch, int channels, int positions);

    /// <summary>Per channel: Σu and Σu·x̂.</summary>
    void Sums(Tensor x, Tensor upstream, Tensor mean, Tensor invStd, Tensor sumU, Tensor sumUXhat, int batch, int channels, int positions);

    /// <summary>result = γ_c·r_c·(u − (Σu + x̂·Σu·x̂)/M).</summary>
    void InputGradient(Tensor x, Tensor upstream, Tensor gamma, Tensor mean, Tensor invStd, Tensor sumU, Tensor sumUXhat, Tensor result, int batch, int channels, int positions);
}

/// <summary>Fused kernels of the variational models.</summary>
internal interface IReparameterizeKernels
{
    /// <summary>z = μ + exp(½·logσ²)·ε, elementwise over tensors of one shape.</summary>
    void Gaussian(Tensor mu, Tensor logVar, Tensor eps, Tensor z);

    /// <summary>y = softmax((logits + Gumbel noise)/τ) over rows of <paramref name="classes"/>.</summary>
    void GumbelSoftmax(Tensor logits, Tensor y, int classes, float temperature, ulong seed, ulong offset);
}

/// <summary>Random views of images (joint-embedding learning's augmentations).</summary>
internal interface IAugmentKernels
{
    /// <summary>views = a random view of each image [N, H·W], drawn from (seed, offset).</summary>
    void Views(Tensor images, Tensor views, in Kernels.Augment.AugmentSettings settings, ulong seed, ulong offset);
}
