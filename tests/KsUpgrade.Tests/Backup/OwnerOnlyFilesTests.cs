using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Backup;

namespace KsUpgrade.Tests.Backup;

/// <summary>Runs only on Windows; skipped elsewhere with the reason.</summary>
public sealed class WindowsFactAttribute : FactAttribute
{
    public WindowsFactAttribute()
    {
        if (!OperatingSystem.IsWindows()) Skip = "Windows only: checks the owner-only ACL of backup files (NTFS ACLs do not exist on this OS).";
    }
}

/// <summary>Runs only on Unix; skipped on Windows with the reason.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "Unix only: checks file modes (0600/0700), which Windows does not have.";
    }
}

/// <summary>Backup files that hold Secrets are owner-only from their creation on: 0600 on Unix, a protected current-user ACL on Windows.</summary>
public sealed class OwnerOnlyFilesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ksupgrade-owneronly-" + Guid.NewGuid().ToString("N"));

    public OwnerOnlyFilesTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string WriteBackupFile(string name, bool sensitive)
    {
        var path = Path.Combine(_dir, name);
        using (var writer = new BackupFileWriter(path, sensitive))
        {
            writer.Write(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = new JsonObject { ["name"] = "s" } });
            writer.Finish();
        }
        return path;
    }

    [UnixFact]
    [UnsupportedOSPlatform("windows")] // the attribute skips it there
    public void On_Unix_a_sensitive_file_is_0600_a_plain_one_0644_and_the_folder_0700()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(WriteBackupFile("secrets.yaml", sensitive: true)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            File.GetUnixFileMode(WriteBackupFile("plain.yaml", sensitive: false)));
        var folder = Path.Combine(_dir, "nested", "staging");
        OwnerOnlyFiles.CreateDirectory(folder);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
    }

    [UnixFact]
    public void An_existing_file_is_never_overwritten()
    {
        var path = WriteBackupFile("secrets.yaml", sensitive: true);
        Assert.Throws<IOException>(() => OwnerOnlyFiles.CreateFile(path, ownerOnly: true).Dispose());
    }

    [WindowsFact]
    public void On_Windows_a_sensitive_file_has_a_protected_ACL_granting_only_the_current_user()
    {
        if (!OperatingSystem.IsWindows()) return; // the attribute skips; this line only satisfies the platform analyzer
        AssertOwnerOnly(new FileInfo(WriteBackupFile("secrets.yaml", sensitive: true)).GetAccessControl());

        var folder = Path.Combine(_dir, "nested", "staging");
        OwnerOnlyFiles.CreateDirectory(folder);
        AssertOwnerOnly(new DirectoryInfo(folder).GetAccessControl());
        Assert.Throws<IOException>(() => OwnerOnlyFiles.CreateFile(Path.Combine(_dir, "secrets.yaml"), ownerOnly: true).Dispose());
    }

    [SupportedOSPlatform("windows")]
    private static void AssertOwnerOnly(FileSystemSecurity security)
    {
        Assert.True(security.AreAccessRulesProtected, "inheritance from the parent folder must be cut off");
        var rules = security.GetAccessRules(includeExplicit: true, includeInherited: true, typeof(System.Security.Principal.SecurityIdentifier))
            .Cast<FileSystemAccessRule>().ToList();
        var rule = Assert.Single(rules);
        Assert.Equal(OwnerOnlyFiles.CurrentUser(), rule.IdentityReference);
        Assert.Equal(AccessControlType.Allow, rule.AccessControlType);
        Assert.Equal(FileSystemRights.FullControl, rule.FileSystemRights & FileSystemRights.FullControl);
        Assert.False(rule.IsInherited);
    }
}
