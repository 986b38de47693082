using GpuGen.Data;
using GpuGen.Models.Output;

namespace GpuGen.Models.Clustering;

/// <summary>
/// clusters.png: one row per cluster, the decoded centre g(μ_j) first, then the test digits most
/// confidently assigned to that cluster (largest q_ij among those whose argmax is j), so a look
/// tells which digit each cluster took and how clean it is.
/// </summary>
public static class ClusterPicture
{
    public const int ExamplesPerCluster = 9;

    public static void SavePng(string path, DecModel model, MnistSplit split)
    {
        int k = model.Clusters, pixels = split.PixelsPerImage, columns = ExamplesPerCluster + 1;
        var q = ClusterAssignments.SoftAssignments(model, split);
        var hard = SoftAssignment.Hard(q, split.Count, k);
        float[] centres;
        using (new TensorScope())
        using (Autograd.NoGrad())
            centres = Ops.Clamp(model.Decode(model.Centres), 0f, 1f).ToArray();
        var images = new float[k * columns * pixels]; // an empty slot stays black
        for (int j = 0; j < k; j++)
        {
            Array.Copy(centres, j * pixels, images, j * columns * pixels, pixels);
            var members = Enumerable.Range(0, split.Count).Where(i => hard[i] == j).OrderByDescending(i => q[i * k + j]).Take(ExamplesPerCluster).ToArray();
            if (members.Length == 0) continue;
            var digits = new float[members.Length * pixels];
            split.FillImages(members, digits);
            Array.Copy(digits, 0, images, (j * columns + 1) * pixels, digits.Length);
        }
        ImageGrid.SavePng(path, images, k * columns, split.Rows, split.Cols, columns);
    }
}
