using KsUpgrade.Tests.Helm;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// The Undo tests that take a backup on the in-memory API: one temporary folder per test (the suite's <see cref="TempDir"/>),
/// deleted after it.
/// </summary>
public abstract class UndoTempFolderTest : IDisposable
{
    private readonly TempDir _temp = new();

    /// <summary>The test's folder (it exists).</summary>
    protected string Dir => _temp.Path;

    public void Dispose()
    {
        _temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
