namespace GpuGen.Models.Clustering;

/// <summary>
/// The assignment problem by the Hungarian (Kuhn–Munkres) algorithm in O(n³): for an n × n cost
/// matrix C, the permutation π minimising Σ_i C[i, π(i)]. This is the shortest-augmenting-path
/// form with row and column potentials u, v (reduced costs C[i, j] − u_i − v_j ≥ 0 stay
/// non-negative; each of the n phases adds one row by a Dijkstra-like scan over the columns, so a
/// phase is O(n²)), as in Jonker–Volgenant and the e-maxx write-up.
/// </summary>
public static class Hungarian
{
    /// <summary>The column assigned to each row of the square <paramref name="cost"/> matrix, at minimum total cost.</summary>
    public static int[] MinimumCostAssignment(double[,] cost)
    {
        int n = cost.GetLength(0);
        if (cost.GetLength(1) != n) throw new ArgumentException($"hungarian: the cost matrix must be square, got {n} × {cost.GetLength(1)}");
        if (n == 0) return [];
        // 1-based: column 0 is a virtual column holding the row being added.
        var u = new double[n + 1];
        var v = new double[n + 1];
        var rowOfColumn = new int[n + 1];   // rowOfColumn[j]: the row matched to column j (0: none)
        var way = new int[n + 1];           // the previous column on the augmenting path
        for (int i = 1; i <= n; i++)
        {
            rowOfColumn[0] = i;
            int column = 0;
            var minimum = new double[n + 1];
            var used = new bool[n + 1];
            Array.Fill(minimum, double.PositiveInfinity);
            do
            {
                used[column] = true;
                int row = rowOfColumn[column], next = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= n; j++)
                {
                    if (used[j]) continue;
                    double reduced = cost[row - 1, j - 1] - u[row] - v[j];
                    if (reduced < minimum[j]) { minimum[j] = reduced; way[j] = column; }
                    if (minimum[j] < delta) { delta = minimum[j]; next = j; }
                }
                for (int j = 0; j <= n; j++)
                {
                    if (used[j]) { u[rowOfColumn[j]] += delta; v[j] -= delta; }
                    else minimum[j] -= delta;
                }
                column = next;
            } while (rowOfColumn[column] != 0);
            do // augment along the path back to the virtual column
            {
                int previous = way[column];
                rowOfColumn[column] = rowOfColumn[previous];
                column = previous;
            } while (column != 0);
        }
        var columnOfRow = new int[n];
        for (int j = 1; j <= n; j++) columnOfRow[rowOfColumn[j] - 1] = j - 1;
        return columnOfRow;
    }
}
