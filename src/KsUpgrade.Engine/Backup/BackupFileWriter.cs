using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Backup;

/// <summary>
/// Writes one backup file: a YAML multi-document stream, one object per document (no object: kubectl's empty List),
/// hashed (SHA-256) as it is written.
/// A sensitive file is created owner-only from its creation on (<see cref="OwnerOnlyFiles"/>: 0600 on Unix, a protected
/// current-user-only ACL on Windows).
/// </summary>
internal sealed class BackupFileWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly HashingStream _hashing;
    private readonly StreamWriter _writer;
    private readonly YamlDocumentWriter _yaml;
    private bool _finished;

    public BackupFileWriter(string path, bool sensitive)
    {
        Name = Path.GetFileName(path);
        Sensitive = sensitive;
        _file = OwnerOnlyFiles.CreateFile(path, ownerOnly: sensitive);
        _hashing = new HashingStream(_file);
        _writer = new StreamWriter(_hashing, new UTF8Encoding(false), 64 * 1024);
        _yaml = new YamlDocumentWriter(_writer);
    }

    public string Name { get; }
    public bool Sensitive { get; }
    public int Objects { get; private set; }

    public void Write(JsonObject obj)
    {
        _yaml.WriteDocument(obj);
        Objects++;
    }

    /// <summary>
    /// What kubectl get -o yaml prints when nothing matches (kubectl 1.32, against the sandbox), and so what upgrade.sh's
    /// redirect leaves in the file of an empty set: a file of no object is written as this List, never as 0 bytes.
    /// </summary>
    public const string EmptyList = "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";

    /// <summary>Ends the stream (an empty one as kubectl's empty List), flushes to disk and returns the file's record.</summary>
    public KsBackupFile Finish()
    {
        if (Objects == 0) _writer.Write(EmptyList);
        _writer.Flush();
        _file.Flush(true);
        _finished = true;
        return new KsBackupFile { Name = Name, Objects = Objects, Sha256 = _hashing.HashHex(), Sensitive = Sensitive };
    }

    public void Dispose()
    {
        if (!_finished) { try { _writer.Flush(); } catch (IOException) { } }
        _writer.Dispose();
    }

    /// <summary>A write-through stream that hashes every byte written.</summary>
    private sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public HashingStream(Stream inner) => _inner = inner;
        public string HashHex() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();
        public override void Write(byte[] buffer, int offset, int count) { _hash.AppendData(buffer, offset, count); _inner.Write(buffer, offset, count); }
        public override void Write(ReadOnlySpan<byte> buffer) { _hash.AppendData(buffer); _inner.Write(buffer); }
        public override void Flush() => _inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _inner.Length;
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) { _inner.Dispose(); _hash.Dispose(); } base.Dispose(disposing); }
    }
}
