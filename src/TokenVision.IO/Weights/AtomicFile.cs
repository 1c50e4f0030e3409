namespace TokenVision.IO.Weights;

/// <summary>Writes a file atomically: to a temporary file in the same directory, flushed to disk, then renamed over the target.</summary>
internal static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a temporary file next to <paramref name="path"/> and renames it into place; on failure the temporary file is removed and the target is untouched.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? ".";
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // Best effort: the original error matters more.
            }
            throw;
        }
    }
}
