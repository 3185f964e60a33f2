using System.Text;
using MeliFunctions.Notifications;

namespace MeliFunctions.Tests.Notifications;

public sealed class NotificationParserTests
{
    [Theory]
    [InlineData("""{"_id":"abc","resource":"/orders/2032217210","user_id":123,"topic":"orders_v2","application_id":5503910054141466,"attempts":1,"sent":"2026-11-23T01:00:00.000Z","received":"2026-11-23T00:59:59.900Z"}""", "abc")]
    [InlineData("""{"id":"xyz","resource":"/orders/2032217210","user_id":"123","topic":"orders","application_id":"5503910054141466"}""", "xyz")]
    [InlineData("""{"resource":"/orders/731867397","user_id":1234,"topic":"created_orders","application_id":14529,"attempts":0}""", null)]
    [InlineData("""{"resource":"/orders/731867397/feedback","user_id":1234,"topic":"orders_feedback","application_id":14529,"actions":["changed"]}""", null)]
    [InlineData("""{"resource":"9f2b1c","user_id":1234,"topic":"messages","application_id":14529}""", null)]
    public void Accepts_the_shapes_Mercado_Libre_sends(string body, string? expectedId)
    {
        var result = NotificationParser.Parse(Encoding.UTF8.GetBytes(body));

        Assert.True(result.Ok, result.Reason);
        Assert.Equal(expectedId, result.Notification!.Id);
        Assert.True(result.Notification.UserId > 0);
    }

    [Fact]
    public void Reads_user_id_as_number_or_string_and_times_as_utc()
    {
        var result = NotificationParser.Parse("""{"resource":"/orders/1","user_id":"987","topic":"orders_v2","application_id":1,"sent":"2026-11-23T01:02:03.000-03:00","actions":["a","b"]}"""u8);

        Assert.Equal(987, result.Notification!.UserId);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 4, 2, 3, TimeSpan.Zero), result.Notification.Sent);
        Assert.Equal(["a", "b"], result.Notification.Actions);
    }

    [Theory]
    [InlineData("not json", "invalid_json")]
    [InlineData("[1,2]", "invalid_json")]
    [InlineData("""{"user_id":1,"topic":"orders_v2","application_id":1}""", "missing_field")]
    [InlineData("""{"resource":"/orders/1","topic":"orders_v2","application_id":1}""", "missing_field")]
    [InlineData("""{"resource":"/orders/1","user_id":1,"application_id":1}""", "missing_field")]
    [InlineData("""{"resource":"/orders/1","user_id":1,"topic":"orders_v2"}""", "missing_field")]
    [InlineData("""{"resource":42,"user_id":1,"topic":"orders_v2","application_id":1}""", "invalid_field")]
    [InlineData("""{"resource":"/orders/1","user_id":"abc","topic":"orders_v2","application_id":1}""", "invalid_field")]
    [InlineData("""{"resource":"/orders/1","user_id":-5,"topic":"orders_v2","application_id":1}""", "invalid_field")]
    [InlineData("""{"resource":"/orders/1","user_id":1.5,"topic":"orders_v2","application_id":1}""", "invalid_field")]
    [InlineData("""{"resource":"/orders/1","user_id":1,"topic":"","application_id":1}""", "invalid_field")]
    [InlineData("""{"resource":"/orders/1","user_id":1,"topic":"orders_v2","application_id":1,"sent":"yesterday"}""", "invalid_field")]
    [InlineData("""{"resource":"/items/MLA1","user_id":1,"topic":"orders_v2","application_id":1}""", "resource_mismatch")]
    [InlineData("""{"resource":"/orders/abc","user_id":1,"topic":"orders","application_id":1}""", "resource_mismatch")]
    [InlineData("""{"resource":"/orders/1","user_id":1,"topic":"items","application_id":1}""", "resource_mismatch")]
    [InlineData("""{"resource":"/orders/1","user_id":1,"topic":"shipments","application_id":1}""", "resource_mismatch")]
    public void Refuses_what_cannot_be_a_notification_with_a_reason(string body, string expectedError)
    {
        var result = NotificationParser.Parse(Encoding.UTF8.GetBytes(body));

        Assert.False(result.Ok);
        Assert.Equal(expectedError, result.Error);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
    }

    [Theory]
    [InlineData("/orders/2032217210", 2032217210L)]
    [InlineData("/orders/2032217210/feedback", 2032217210L)]
    [InlineData("/items/MLA1", null)]
    public void Finds_the_order_id_in_an_order_resource(string resource, long? expected) =>
        Assert.Equal(expected, NotificationTopics.OrderId(resource));
}
