using System.Text.Json;
using MeliFunctions.Infra.Tests.Support;

namespace MeliFunctions.Infra.Tests;

public class HostJsonTests
{
    private static JsonDocument HostJson() => JsonDocument.Parse(Repo.ReadText("host.json"));

    [Fact]
    public void Host_json_is_version_2_with_extensions_at_the_top_level()
    {
        using var host = HostJson();
        var root = host.RootElement;

        Assert.Equal("2.0", root.GetProperty("version").GetString());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("extensions").ValueKind);
        if (root.TryGetProperty("logging", out var logging))
        {
            Assert.False(logging.TryGetProperty("extensions", out _), "extensions nested in logging is ignored by the host.");
        }
    }

    [Fact]
    public void Durable_task_hub_comes_from_the_TASKHUB_NAME_setting()
    {
        using var host = HostJson();
        var durable = host.RootElement.GetProperty("extensions").GetProperty("durableTask");

        Assert.Equal("%TASKHUB_NAME%", durable.GetProperty("hubName").GetString());
        Assert.Equal("AzureStorage", durable.GetProperty("storageProvider").GetProperty("type").GetString());
        Assert.Contains("TASKHUB_NAME", BicepAppSettings.ProductNames);
    }

    [Fact]
    public void Queue_trigger_reads_base64_and_gives_up_after_five_attempts()
    {
        using var host = HostJson();
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");

        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.Equal(5, queues.GetProperty("maxDequeueCount").GetInt32());
    }
}
