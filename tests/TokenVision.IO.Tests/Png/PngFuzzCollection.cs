using Xunit;

namespace TokenVision.IO.Tests.Png;

/// <summary>Runs the timed fuzz test alone, after the parallel tests, so its time bound measures the decoder rather than its neighbours.</summary>
[CollectionDefinition(nameof(PngFuzzCollection), DisableParallelization = true)]
public sealed class PngFuzzCollection;
