using GpuGen.Data;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.Clustering;

/// <summary>
/// The state of a DEC or IDEC run between the runner's calls (see <see cref="DecPlan"/>): the
/// target distribution of the current clustering epoch, the hard assignments at its start, and
/// the last fraction of assignments that changed. None of it needs a checkpoint: the target and
/// the assignments are recomputed from the model at the start of every epoch, so a resumed run
/// computes exactly what the uninterrupted one did.
/// </summary>
internal sealed class DecTraining(DecModel model, DecSettings settings, MnistSplit train, MnistSplit test, IndexedBatches batches,
    Optimizer pretrain, Optimizer cluster, Generator kmeansStream, Generator corruption, Generator views)
{
    private float[]? _target;                 // P [n, k] of this clustering epoch
    private float[] _batchTarget = [];        // P's rows for the current batch, reused step after step
    private int[]? _startAssignments;         // argmax q at this epoch's refresh
    private float[]? _endQ;                   // Q after the last epoch: the next refresh's, the model being unchanged since
    private double? _lastChange;
    private int? _lastEpoch;

    private bool Clustering(int epoch) => epoch > settings.PretrainEpochs;

    public double[] Iterate(Tensor x, TrainingStep step)
    {
        if (settings.Augmented) x = Ops.Augment(x, settings.Augment!, views); // DEC-DA: a random view replaces the digit in both phases
        if (!Clustering(step.Epoch))
        {
            var input = x;
            if (settings.PretrainNoise > 0)
                using (Autograd.NoGrad()) input = Ops.Mul(x, Ops.Bernoulli(Tensor.Full(x.Shape, 1f - settings.PretrainNoise, x.Device), corruption)); // masking noise
            float error = Training.Step(settings.Name, pretrain, DecModel.ReconstructionError(model.Forward(input), x), step.Epoch, step.Step);
            return [error, error, 0];
        }
        if (step.Step == 1) Refresh(step.Epoch);
        int k = model.Clusters;
        var indices = batches.CurrentIndices;
        if (_batchTarget.Length < indices.Length * k) _batchTarget = new float[indices.Length * k];
        for (int i = 0; i < indices.Length; i++) Array.Copy(_target!, indices[i] * k, _batchTarget, i * k, k);
        var target = Tensor.FromArray(_batchTarget.AsSpan(0, indices.Length * k), Shape.Of(indices.Length, k), model.Device);
        var z = model.Code(x);
        var kl = SoftAssignment.KlDivergence(target, model.Assign(z));
        Tensor reconstruction;
        Tensor loss;
        if (settings.Variant == DecVariant.Idec)
        {
            reconstruction = DecModel.ReconstructionError(model.Decode(z), x);
            loss = Ops.Add(reconstruction, Ops.Mul(kl, settings.Gamma));
        }
        else
        {
            using (Autograd.NoGrad()) reconstruction = DecModel.ReconstructionError(model.Decode(z.Detach()), x); // reported, not trained: DEC drops the decoder
            loss = kl;
        }
        float total = Training.Step(settings.Name, cluster, loss, step.Epoch, step.Step);
        return [total, reconstruction.Item(), kl.Item()];
    }

    /// <summary>
    /// The start of a clustering epoch: at the first, k-means on the training codes sets the
    /// centres (and its scores are kept in the model); then Q over the training set, the target P
    /// from it, and the hard assignments that the end of the epoch is compared with.
    /// </summary>
    private void Refresh(int epoch)
    {
        using var scope = new TensorScope();
        if (epoch == settings.PretrainEpochs + 1) InitialiseCentres();
        var q = _endQ ?? ClusterAssignments.SoftAssignments(model, train);
        _endQ = null;
        _target = SoftAssignment.Target(q, train.Count, model.Clusters);
        _startAssignments = SoftAssignment.Hard(q, train.Count, model.Clusters);
    }

    private void InitialiseCentres()
    {
        int d = model.CodeSize;
        var codes = ClusterAssignments.Codes(model, train);
        var result = KMeans.Fit(codes, train.Count, d, model.Clusters, kmeansStream, settings.KMeansRestarts);
        var testClusters = KMeans.Assign(ClusterAssignments.Codes(model, test), test.Count, d, result.Centres);
        var (trainAccuracy, trainNmi) = ClusterAssignments.Score(result.Assignments, train);
        var (testAccuracy, testNmi) = ClusterAssignments.Score(testClusters, test);
        using var noGrad = Autograd.NoGrad();
        Ops.Copy(Tensor.FromArray(result.Centres, model.Centres.Shape, model.Device), model.Centres);
        Ops.Copy(Tensor.FromArray([(float)trainAccuracy, (float)trainNmi, (float)testAccuracy, (float)testNmi], model.KMeansScores.Shape, model.Device), model.KMeansScores);
    }

    /// <summary>[test reconstruction, test accuracy, test NMI]: the clusters are a quick k-means of the test
    /// codes during pre-training (from the evaluation stream), argmax q afterwards.</summary>
    public double[] Evaluate(Generator stream)
    {
        double reconstruction = Training.Average(model, test, model.Device, 500, x => [DecModel.ReconstructionError(model.Forward(x), x).Item()])[0];
        int[] clusters;
        if (_startAssignments is null) // still pre-training: no centres yet
        {
            var codes = ClusterAssignments.Codes(model, test);
            clusters = KMeans.Fit(codes, test.Count, model.CodeSize, Math.Min(model.Clusters, test.Count), stream, DecPlan.ProgressRestarts).Assignments;
        }
        else clusters = SoftAssignment.Hard(ClusterAssignments.SoftAssignments(model, test), test.Count, model.Clusters);
        var (accuracy, nmi) = ClusterAssignments.Score(clusters, test);
        return [reconstruction, accuracy, nmi];
    }

    /// <summary>The paper's stopping rule after a clustering epoch: fewer than the tolerance of the
    /// training digits changed cluster since the epoch's target refresh.</summary>
    public bool Converged(int epoch)
    {
        if (!Clustering(epoch) || _startAssignments is null) return false;
        _lastEpoch = epoch;
        _endQ = ClusterAssignments.SoftAssignments(model, train);
        double change = ClusterAssignments.Changed(_startAssignments, SoftAssignment.Hard(_endQ, train.Count, model.Clusters));
        _lastChange = change;
        return change < settings.Tolerance;
    }

    public Dictionary<string, object?> FinalMetrics()
    {
        var kmeans = model.KMeansScores.ToArray();
        var metrics = new Dictionary<string, object?>
        {
            ["train_accuracy_kmeans"] = (double)kmeans[0], ["train_nmi_kmeans"] = (double)kmeans[1],
            ["test_accuracy_kmeans"] = (double)kmeans[2], ["test_nmi_kmeans"] = (double)kmeans[3],
        };
        var (trainAccuracy, trainNmi) = ClusterAssignments.Score(SoftAssignment.Hard(ClusterAssignments.SoftAssignments(model, train), train.Count, model.Clusters), train);
        metrics["train_accuracy"] = trainAccuracy;
        metrics["train_nmi"] = trainNmi;
        metrics["clustering_epochs"] = _lastEpoch - settings.PretrainEpochs;              // null when this process trained none (a stopped run resumed)
        metrics["clustering_iterations"] = (_lastEpoch - settings.PretrainEpochs) * batches.BatchesPerEpoch;
        metrics["last_assignment_change"] = _lastChange;
        metrics["tolerance"] = settings.Tolerance;
        return metrics;
    }
}
