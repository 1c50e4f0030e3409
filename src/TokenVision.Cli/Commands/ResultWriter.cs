using System.Globalization;
using System.Text.Json;

namespace TokenVision.Cli.Commands;

/// <summary>Prints measurements as aligned text or as one JSON object per line.</summary>
internal sealed class ResultWriter(bool json)
{
    public void Write(string name, double value, string unit, params (string Key, object Value)[] extra)
    {
        if (json)
        {
            var obj = new Dictionary<string, object> { ["name"] = name, ["value"] = Math.Round(value, 3), ["unit"] = unit };
            foreach (var (k, v) in extra)
                obj[k] = v;
            Console.WriteLine(JsonSerializer.Serialize(obj));
            return;
        }
        var details = extra.Length == 0 ? "" : "  (" + string.Join(", ", extra.Select(e => $"{e.Key} {Format(e.Value)}")) + ")";
        Console.WriteLine($"{name,-44} {value.ToString("F1", CultureInfo.InvariantCulture),10} {unit}{details}");
    }

    private static string Format(object v) => v switch
    {
        double d => d.ToString("G4", CultureInfo.InvariantCulture),
        float f => f.ToString("G4", CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };
}
