using System.Security.Cryptography;
using System.Text;

namespace KsUpgrade.Sandbox.Seeds.Building;

/// <summary>
/// Deterministic identifiers for seed objects: the same seed always yields the same uids, pod-name suffixes and
/// IP addresses, so tests and snapshots are stable.
/// </summary>
public static class SeedIds
{
    /// <summary>The moment a seed cluster was "installed"; timestamps in conditions and logs derive from it.</summary>
    public static readonly DateTimeOffset InstalledAt = new(2025, 3, 10, 8, 0, 0, TimeSpan.Zero);

    public static string Time(double minutesAfterInstall = 0) =>
        InstalledAt.AddMinutes(minutesAfterInstall).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private const string PodAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    /// <summary>A stable RFC 4122-shaped uid for an object key (cluster/kind/namespace/name).</summary>
    public static string Uid(string key)
    {
        var h = Hash("uid:" + key);
        h[6] = (byte)((h[6] & 0x0F) | 0x40);
        h[8] = (byte)((h[8] & 0x3F) | 0x80);
        return new Guid(h.AsSpan(0, 16), bigEndian: true).ToString();
    }

    /// <summary>A suffix in the alphabet Kubernetes uses for generated names (ReplicaSet hash: 10, pod: 5).</summary>
    public static string Suffix(string key, int length)
    {
        var h = Hash("sfx:" + key);
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++) sb.Append(PodAlphabet[h[i % h.Length] % PodAlphabet.Length]);
        return sb.ToString();
    }

    public static string Hex(string key, int length) => Convert.ToHexString(Hash("hex:" + key)).ToLowerInvariant()[..length];

    /// <summary>A stable ClusterIP in 10.233.0.0/18 for a service key.</summary>
    public static string ServiceIp(string key)
    {
        var h = Hash("svc:" + key);
        return $"10.233.{h[0] % 60 + 1}.{h[1] % 250 + 2}";
    }
}
