using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Api;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Orders;

/// <summary>Order notes: <c>POST/GET /orders/{id}/notes</c>, <c>PUT/DELETE /orders/{id}/notes/{noteId}</c>, 300 characters at most.</summary>
internal static class NotesEndpoints
{
    private const int MaxLength = 300;

    public static void Map(WebApplication app)
    {
        app.MapPost("/orders/{id}/notes", PostAsync);
        app.MapGet("/orders/{id}/notes", Get);
        app.MapPut("/orders/{id}/notes/{noteId}", PutAsync);
        app.MapDelete("/orders/{id}/notes/{noteId}", Delete);
    }

    private static JsonObject Render(Note n) => new()
    {
        ["id"] = n.Id,
        ["date_created"] = MeliJson.Date(n.DateCreated),
        ["date_last_updated"] = MeliJson.Date(n.DateLastUpdated),
        ["note"] = n.Text,
    };

    private static async Task<(string? Text, IResult? Error)> ReadNoteAsync(HttpRequest request, CancellationToken ct)
    {
        var body = await MeliJson.ReadObjectAsync(request, ct);
        var text = MeliJson.String(body?["note"]);
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, MeliJson.Error(400, "bad_request", "note is required"));
        }

        if (text.Length > MaxLength)
        {
            return (null, MeliJson.Error(400, "bad_request", $"note must have at most {MaxLength} characters"));
        }

        return (text, null);
    }

    private static (Order? Order, IResult? Error) OwnOrder(SandboxWorld world, string id, HttpContext context)
    {
        var (order, error) = OrderEndpoints.Find(world, id, ApiGate.SellerOf(context));
        if (error is not null)
        {
            return (null, error.ToResult());
        }

        if (order!.SellerId != ApiGate.SellerOf(context))
        {
            return (null, MeliJson.Error(403, "not_owned_order", "Only the seller keeps notes."));
        }

        return (order, null);
    }

    private static async Task<IResult> PostAsync(string id, HttpContext context, SandboxWorld world, CancellationToken ct)
    {
        var (text, invalid) = await ReadNoteAsync(context.Request, ct);
        if (invalid is not null)
        {
            return invalid;
        }

        lock (world.Sync)
        {
            var (order, error) = OwnOrder(world, id, context);
            if (error is not null)
            {
                return error;
            }

            var now = world.Now;
            var note = new Note { Id = world.Ids.Hex(24), OrderId = order!.Id, Text = text!, DateCreated = now, DateLastUpdated = now };
            if (!world.Notes.TryGetValue(order.Id, out var notes))
            {
                world.Notes[order.Id] = notes = [];
            }

            notes.Add(note);
            return MeliJson.Json(new JsonObject { ["order_id"] = order.Id, ["note"] = Render(note) }, 201);
        }
    }

    private static IResult Get(string id, HttpContext context, SandboxWorld world)
    {
        lock (world.Sync)
        {
            var (order, error) = OwnOrder(world, id, context);
            if (error is not null)
            {
                return error;
            }

            var results = new JsonArray();
            foreach (var n in world.Notes.GetValueOrDefault(order!.Id, []).Where(n => !n.Deleted))
            {
                results.Add(Render(n));
            }

            return MeliJson.Json(new JsonArray(new JsonObject { ["order_id"] = order.Id, ["results"] = results }));
        }
    }

    private static async Task<IResult> PutAsync(string id, string noteId, HttpContext context, SandboxWorld world, CancellationToken ct)
    {
        var (text, invalid) = await ReadNoteAsync(context.Request, ct);
        if (invalid is not null)
        {
            return invalid;
        }

        lock (world.Sync)
        {
            var (order, error) = OwnOrder(world, id, context);
            if (error is not null)
            {
                return error;
            }

            var note = world.Notes.GetValueOrDefault(order!.Id, []).FirstOrDefault(n => n.Id == noteId && !n.Deleted);
            if (note is null)
            {
                return MeliJson.Error(404, "not_found", $"Note {noteId} not found");
            }

            note.Text = text!;
            note.DateLastUpdated = world.Now;
            return MeliJson.Json(new JsonObject { ["order_id"] = order.Id, ["note"] = Render(note) });
        }
    }

    private static IResult Delete(string id, string noteId, HttpContext context, SandboxWorld world)
    {
        lock (world.Sync)
        {
            var (order, error) = OwnOrder(world, id, context);
            if (error is not null)
            {
                return error;
            }

            var note = world.Notes.GetValueOrDefault(order!.Id, []).FirstOrDefault(n => n.Id == noteId && !n.Deleted);
            if (note is null)
            {
                return MeliJson.Error(404, "not_found", $"Note {noteId} not found");
            }

            note.Deleted = true;
            note.DateLastUpdated = world.Now;
            return MeliJson.Json(new JsonObject { ["order_id"] = order.Id, ["note_id"] = note.Id, ["deleted"] = true });
        }
    }
}
