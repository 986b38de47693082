using GpuGen.Data;
using GpuGen.Nn;
using GpuGen.Optim;

namespace GpuGen.Models;

/// <summary>The training and evaluation loops every model shares.</summary>
public static class Training
{
    /// <summary>
    /// One epoch of optimizer steps on <paramref name="loss"/>(images) (a scalar); returns the mean
    /// loss over the epoch. A loss that is not finite stops training with an error naming the
    /// model, epoch and step; that step's update is not applied.
    /// </summary>
    public static double Epoch(string model, Module module, Optimizer optimizer, BatchLoader loader, Func<Tensor, Tensor> loss,
        int epoch = 1, Action<int, double>? onStep = null) =>
        Epoch(model, module, optimizer, loader, (x, _) => loss(x), epoch, onStep);

    /// <summary>
    /// The same, with the 1-based step number passed to the loss (for schedules), and a
    /// cancellation checked at every step boundary: a cancelled epoch throws
    /// <see cref="OperationCanceledException"/> before its next step, never in the middle of one.
    /// </summary>
    public static double Epoch(string model, Module module, Optimizer optimizer, BatchLoader loader, Func<Tensor, int, Tensor> loss,
        int epoch, Action<int, double>? onStep, CancellationToken cancel = default)
    {
        module.Train();
        double total = 0;
        int steps = 0;
        foreach (var (images, _) in loader.Epoch()) // the loader owns and frees each batch
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = new TensorScope();
            float v;
            try
            {
                v = Step(model, optimizer, loss(images, steps + 1), epoch, steps + 1);
            }
            catch (AnomalyException e)
            {
                throw new GpuGenException($"{model}: at epoch {epoch}, step {steps + 1}, {e.Message} (the model is unchanged by this step)", e);
            }
            total += v;
            steps++;
            onStep?.Invoke(steps, v);
        }
        return total / Math.Max(steps, 1);
    }

    /// <summary>
    /// One optimizer step on a scalar <paramref name="loss"/>: a loss that is not finite stops with
    /// an error naming the model, epoch and step before anything changes; otherwise zero the
    /// gradients, backpropagate and step. Returns the loss.
    /// </summary>
    public static float Step(string model, Optimizer optimizer, Tensor loss, int epoch, int step)
    {
        float v = loss.Item();
        if (!float.IsFinite(v))
            throw new GpuGenException($"{model}: the loss became {v} at epoch {epoch}, step {step}; lower the learning rate, or run with --detect-anomaly to find the op that made it (the model is unchanged by this step)");
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        return v;
    }

    /// <summary>The example-weighted mean of <paramref name="batchMeans"/>(images) over a split, in evaluation mode
    /// (the module's mode restored afterwards), without gradients.</summary>
    public static double[] Average(Module module, MnistSplit split, Device device, int batchSize, Func<Tensor, double[]> batchMeans) =>
        InEvaluationMode(module, () =>
        {
            double[]? sums = null;
            foreach (var (images, _) in new BatchLoader(split, batchSize, device).Epoch())
            {
                using var scope = new TensorScope();
                var means = batchMeans(images);
                sums ??= new double[means.Length];
                for (int i = 0; i < means.Length; i++) sums[i] += means[i] * images.Shape[0];
            }
            return (sums ?? []).Select(s => s / split.Count).ToArray();
        });

    /// <summary><paramref name="use"/>() with the module in evaluation mode and no gradients recorded; the module
    /// goes back to the mode it came in (a test pass in the middle of training must not leave dropout off).</summary>
    public static T InEvaluationMode<T>(Module module, Func<T> use)
    {
        bool wasTraining = module.Training;
        module.Eval();
        try
        {
            using var noGrad = Autograd.NoGrad();
            return use();
        }
        finally
        {
            module.Train(wasTraining);
        }
    }

    /// <summary>Codes of a whole split, 1,000 images at a time, as one tensor [n, d].</summary>
    public static Tensor Codes(Module module, MnistSplit split, Device device, Func<Tensor, Tensor> code) =>
        InEvaluationMode(module, () =>
        {
            Tensor? codes = null;
            for (int start = 0; start < split.Count; start += 1000)
            {
                int count = Math.Min(1000, split.Count - start);
                using var inner = new TensorScope();
                var c = code(split.Images(Enumerable.Range(start, count).ToArray(), device));
                if (codes is null)
                {
                    codes = Tensor.Empty(Shape.Of(split.Count, c.Shape[1]), device);
                    inner.Keep(codes); // made inside this scope, but the result
                }
                using var rows = codes.Slice(start, count);
                Ops.Copy(c, rows);
            }
            return codes!;
        });

    /// <summary>5-NN accuracy of the test codes against the training codes.</summary>
    public static double CodeKnnAccuracy(Module module, MnistSplit train, MnistSplit test, Device device, Func<Tensor, Tensor> code)
    {
        using var scope = new TensorScope();
        return Metrics.NearestNeighbours.Accuracy(Codes(module, train, device, code), train.Labels, Codes(module, test, device, code), test.Labels);
    }
}
