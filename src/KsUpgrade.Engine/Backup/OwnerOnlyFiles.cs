using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace KsUpgrade.Engine.Backup;

/// <summary>
/// Creates backup files and folders that only the current user can open, from the moment they exist (never widened and
/// narrowed afterwards): on Unix with mode 0600 (files) / 0700 (folders); on Windows with a protected DACL (inheritance
/// from the parent cut off) holding one rule, the current user with FullControl.
/// </summary>
internal static class OwnerOnlyFiles
{
    /// <summary>Creates a new file for writing (FileMode.CreateNew, no sharing); owner-only when <paramref name="ownerOnly"/>, else 0644 / inherited ACL.</summary>
    public static FileStream CreateFile(string path, bool ownerOnly)
    {
        if (OperatingSystem.IsWindows())
        {
            if (!ownerOnly) return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            return new FileInfo(path).Create(FileMode.CreateNew, FileSystemRights.FullControl, FileShare.None, 4096, FileOptions.None, WindowsFileSecurity());
        }
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = ownerOnly ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        });
    }

    /// <summary>Creates a folder only the current user can open (0700 / protected owner-only DACL). It must not exist yet.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // DirectoryInfo.Create(DirectorySecurity) does not create missing parents (Directory.CreateDirectory does, on Unix).
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } parent) Directory.CreateDirectory(parent);
            new DirectoryInfo(path).Create(WindowsDirectorySecurity());
        }
        else Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Protected (no inherited rules), one rule: the current user, FullControl.</summary>
    [SupportedOSPlatform("windows")]
    internal static FileSecurity WindowsFileSecurity()
    {
        var security = new FileSecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(CurrentUser(), FileSystemRights.FullControl, AccessControlType.Allow));
        return security;
    }

    /// <summary>As <see cref="WindowsFileSecurity"/>, inherited by what the folder holds.</summary>
    [SupportedOSPlatform("windows")]
    internal static DirectorySecurity WindowsDirectorySecurity()
    {
        var security = new DirectorySecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(CurrentUser(), FileSystemRights.FullControl,
            InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit, PropagationFlags.None, AccessControlType.Allow));
        return security;
    }

    [SupportedOSPlatform("windows")]
    internal static SecurityIdentifier CurrentUser()
    {
        using var identity = WindowsIdentity.GetCurrent();
        return identity.User ?? throw new InvalidOperationException("The current Windows user has no security identifier.");
    }
}
