using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KsUpgrade.Sandbox.Hosting;

/// <summary>Generates, at start, a throw-away CA and a server certificate for 127.0.0.1 and localhost signed by it.</summary>
internal static class CertificateFactory
{
    public static (X509Certificate2 Ca, X509Certificate2 Server) Create()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=ksupgrade-sandbox-ca", caKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        caReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caReq.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = caReq.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=ksupgrade-sandbox", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = req.Create(ca, now.AddMinutes(-5), now.AddYears(1).AddDays(-1), serial);
        using var withKey = signed.CopyWithPrivateKey(serverKey);
        // Round-trip through PKCS#12 so the key is usable by the TLS stack on every platform.
        var pfx = withKey.Export(X509ContentType.Pkcs12);
#pragma warning disable SYSLIB0057
        var server = new X509Certificate2(pfx, (string?)null, X509KeyStorageFlags.Exportable);
        var caPublic = new X509Certificate2(ca.Export(X509ContentType.Cert));
#pragma warning restore SYSLIB0057
        return (caPublic, server);
    }

    public static string ToPem(X509Certificate2 cert) =>
        "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(cert.RawData, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n") + "\n-----END CERTIFICATE-----\n";
}
