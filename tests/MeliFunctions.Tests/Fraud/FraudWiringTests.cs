using MeliFunctions.Fraud;
using MeliFunctions.Hosting;
using MeliFunctions.Orders;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Tests.Fraud;

public sealed class FraudWiringTests
{
    private sealed class OtherObserver : IOrderChangeObserver
    {
        public Task OnOrderChangedAsync(OrderChange change, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public void The_fraud_observer_runs_before_observers_registered_earlier_or_later()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IOrderChangeObserver, OtherObserver>();
        services.AddMeliCore(new ConfigurationBuilder().Build());
        services.AddSingleton<IOrderChangeObserver, OtherObserver>();

        var observers = services.Where(d => d.ServiceType == typeof(IOrderChangeObserver)).ToList();
        Assert.Equal(typeof(FraudOrderObserver), observers[0].ImplementationType);
        Assert.Equal(2, observers.Count(o => o.ImplementationType == typeof(OtherObserver)));
        Assert.Single(observers, o => o.ImplementationType == typeof(FraudOrderObserver));
    }

    [Fact]
    public async Task A_bad_fraud_setting_stops_the_Server_at_start_naming_it()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ServerHost.StartAsync(
            "UseDevelopmentStorage=true", settings: new Dictionary<string, string?> { ["Fraud:CancelReason"] = "FRAUD" }));
        Assert.Contains("Fraud__CancelReason", error.Message);
    }

    [Theory]
    [InlineData("""{"seller_id":"42","order_id":2000000001,"kind":"timer"}""", "42", 2000000001L, "timer")]
    [InlineData("""{"seller_id":"42","order_id":2000000001}""", "42", 2000000001L, "wake")]
    public void Fraud_step_messages_round_trip(string text, string seller, long order, string kind)
    {
        var message = FraudMessage.TryParse(text);
        Assert.Equal(new FraudMessage(seller, order, kind), message);
        Assert.Equal(message, FraudMessage.TryParse(message!.ToJson()));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"order_id":1}""")]
    [InlineData("""{"seller_id":"42","order_id":"x"}""")]
    public void An_unreadable_fraud_step_message_is_refused(string text) => Assert.Null(FraudMessage.TryParse(text));
}
