namespace TokenVision.Data;

/// <summary>One transformed dataset item: float values in C order with their shape (e.g. <c>[C, H, W]</c>) and a class label.</summary>
/// <param name="Values">The values, row-major (not copied).</param>
/// <param name="Shape">The shape of <paramref name="Values"/>.</param>
/// <param name="Label">The class index.</param>
public sealed record Sample(float[] Values, int[] Shape, long Label);
