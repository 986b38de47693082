namespace GpuGen.Nn;

/// <summary>Losses and metrics.</summary>
public static class Losses
{
    /// <summary>The negative log-likelihood −mean_b logProbs[b, label_b] of log-probabilities [B, C] at
    /// integer labels [B] (PyTorch's NLLLoss), through <see cref="Ops.Gather"/>.</summary>
    public static Tensor NegativeLogLikelihood(Tensor logProbs, Tensor labels) => Ops.Neg(Ops.Mean(Ops.Gather(logProbs, labels)));

    /// <summary>Mean squared error, mean over every element of (prediction − target)² (PyTorch's
    /// MSELoss with reduction 'mean'); the shapes must be equal (no silent broadcasting).</summary>
    public static Tensor MeanSquaredError(Tensor prediction, Tensor target)
    {
        Check.SameShape("meanSquaredError", "prediction", prediction, "target", target);
        return Ops.Mean(Ops.Square(Ops.Sub(prediction, target)));
    }

    /// <summary>
    /// Mean cross-entropy of logits [batch, classes] against integer labels [batch] (as floats):
    /// −mean_b log softmax(logits_b)[label_b], through the stable log-softmax. Labels are checked
    /// to be whole numbers in [0, classes).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels)
    {
        var oneHot = OneHot(labels, logits); // saved by the recorded mul for backward: the caller's scope frees it
        return Ops.Neg(Ops.Mean(Ops.Sum(Ops.Mul(Ops.LogSoftmax(logits, 1), oneHot), 1)));
    }

    /// <summary>The fraction of rows whose largest logit is at the label.</summary>
    public static float Accuracy(Tensor logits, Tensor labels)
    {
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        return Ops.Mean(Ops.Equal(Ops.ArgMax(logits, 1), labels)).Item();
    }

    private static Tensor OneHot(Tensor labels, Tensor logits)
    {
        if (logits.Rank != 2 || labels.Rank != 1 || labels.Shape[0] != logits.Shape[0])
            throw new ShapeMismatchException($"crossEntropy: logits have shape {logits.Shape} and labels {labels.Shape}; expected [batch, classes] and [batch]");
        int classes = logits.Shape[1];
        foreach (var v in labels.ToArray())
            if (!(v >= 0 && v < classes && v == MathF.Floor(v)))
                throw new GpuGenException($"crossEntropy: label {v} is not a class in [0, {classes})");
        using (Autograd.NoGrad())
        using (var range = Tensor.Arange(0, classes, 1, logits.Device))
        using (var column = labels.Reshape(-1, 1))
        using (var row = range.Reshape(1, -1))
            return Ops.Equal(column, row);
    }
}
