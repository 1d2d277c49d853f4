using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Tests.Sandbox;

namespace KsUpgrade.Tests.Backup;

/// <summary>
/// Backup files are restored with kubectl, whose YAML reader follows YAML 1.1 (it types yes/on/0755/1_000/12:30/dates
/// that YAML 1.2 leaves as strings). Real kubectl reads what our writer wrote and gets every string back unchanged.
/// </summary>
public sealed class BackupYamlKubectlTests : IClassFixture<SandboxFixture>, IDisposable
{
    private readonly SandboxFixture _f;
    private readonly string _dir = Directory.CreateTempSubdirectory("ksupgrade-yaml-kubectl-").FullName;
    public BackupYamlKubectlTests(SandboxFixture f) => _f = f;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task Kubectl_reads_every_hostile_string_back_unchanged()
    {
        var rnd = new Random(1126);
        var data = new JsonObject();
        var annotations = new JsonObject();
        for (var i = 0; i < 400; i++)
        {
            data[$"k{i}"] = YamlStrings.RandomString(rnd);
            annotations[$"example.com/a{i}"] = YamlStrings.RandomString(rnd);
        }
        var configMap = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "hostile", ["namespace"] = "default", ["annotations"] = annotations },
            ["data"] = data,
        };
        var path = Path.Combine(_dir, "backup.yaml");
        await using (var file = new StreamWriter(path))
            new YamlDocumentWriter(file).WriteDocument(configMap);

        var json = await _f.Kubectl.OkAsync("create", "--dry-run=client", "--validate=false", "-o", "json", "-f", path);
        var read = JsonNode.Parse(json)!.AsObject();
        foreach (var (key, value) in data)
            Assert.True(read["data"]![key]?.GetValue<string>() == value!.GetValue<string>(),
                $"data {key}: wrote {value.ToJsonString()}, kubectl read {read["data"]![key]?.ToJsonString() ?? "nothing"}");
        foreach (var (key, value) in annotations)
            Assert.True(read["metadata"]!["annotations"]![key]?.GetValue<string>() == value!.GetValue<string>(),
                $"annotation {key}: wrote {value.ToJsonString()}, kubectl read {read["metadata"]!["annotations"]![key]?.ToJsonString() ?? "nothing"}");
    }
}
