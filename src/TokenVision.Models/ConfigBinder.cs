using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;

namespace TokenVision.Models;

/// <summary>
/// Applies timm/torchvision keyword arguments from a config.json (<c>img_size</c>, <c>num_heads</c>, ...) to a
/// configuration record whose properties carry the same names in PascalCase. Unknown arguments are an error, so an
/// option that changes the graph is never silently ignored.
/// </summary>
public static class ConfigBinder
{
    /// <summary>Returns a copy of <paramref name="defaults"/> with every argument in <paramref name="args"/> applied.</summary>
    public static T Bind<T>(T defaults, JsonObject? args, string source) where T : class
    {
        if (args is null || args.Count == 0)
            return defaults;
        var copy = Clone(defaults);
        foreach (var (key, value) in args)
        {
            var type = copy.GetType();
            var prop = FindProperty(type, key) ?? throw new ArgumentException(
                $"{source}: unknown argument '{key}' for {type.Name}; known: {string.Join(", ", type.GetProperties().Where(p => p.CanWrite).Select(p => ToSnake(p.Name)))}");
            try
            {
                prop.SetValue(copy, Convert(value, prop.PropertyType, $"{source}: '{key}'"));
            }
            catch (Exception e) when (e is InvalidCastException or FormatException or InvalidOperationException or OverflowException)
            {
                throw new ArgumentException($"{source}: '{key}' = {value?.ToJsonString() ?? "null"} is not a valid {Describe(prop.PropertyType)}", e);
            }
        }
        return copy;
    }

    private static T Clone<T>(T value) where T : class
    {
        // Records expose a protected copy constructor; MemberwiseClone gives the same shallow copy.
        var clone = typeof(object).GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!;
        return (T)clone.Invoke(value, null)!;
    }

    private static PropertyInfo? FindProperty(Type type, string key)
    {
        var pascal = ToPascal(key);
        var p = type.GetProperty(pascal, BindingFlags.Public | BindingFlags.Instance);
        return p is { CanWrite: true } ? p : null;
    }

    /// <summary>img_size → ImgSize.</summary>
    public static string ToPascal(string snake) =>
        string.Concat(snake.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>ImgSize → img_size.</summary>
    public static string ToSnake(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private static object? Convert(JsonNode? node, Type type, string where)
    {
        var nullable = Nullable.GetUnderlyingType(type);
        if (node is null)
        {
            if (!type.IsValueType || nullable is not null)
                return null;
            throw new InvalidCastException("null");
        }
        type = nullable ?? type;
        if (type == typeof(int))
            return node.GetValue<int>();
        if (type == typeof(long))
            return node.GetValue<long>();
        if (type == typeof(float))
            return (float)node.GetValue<double>();
        if (type == typeof(double))
            return node.GetValue<double>();
        if (type == typeof(bool))
            return node.GetValue<bool>();
        if (type == typeof(string))
            return node.GetValue<string>();
        if (type.IsEnum)
            return Enum.Parse(type, ToPascal(node.GetValue<string>()), ignoreCase: true);
        if (type == typeof((int, int)))
        {
            var v = Ints(node, 2);
            return (v[0], v[1]);
        }
        if (type == typeof((int, int, int)))
        {
            var v = Ints(node, 3);
            return (v[0], v[1], v[2]);
        }
        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            var list = node as JsonArray ?? throw new InvalidCastException("expected a list");
            var array = Array.CreateInstance(element, list.Count);
            for (var i = 0; i < list.Count; i++)
                array.SetValue(Convert(list[i], element, $"{where}[{i}]"), i);
            return array;
        }
        if (type.IsClass && node is JsonObject obj && type.GetConstructor(Type.EmptyTypes) is { } ctor)
        {
            var bind = typeof(ConfigBinder).GetMethod(nameof(Bind))!.MakeGenericMethod(type);
            return bind.Invoke(null, [ctor.Invoke(null), obj, where]);
        }
        throw new InvalidCastException($"unsupported type {type.Name}");
    }

    /// <summary>An integer (repeated) or a list of <paramref name="count"/> integers.</summary>
    private static int[] Ints(JsonNode node, int count)
    {
        if (node is JsonArray a)
        {
            if (a.Count != count)
                throw new InvalidCastException($"expected {count} values");
            return [.. a.Select(x => x!.GetValue<int>())];
        }
        var v = node.GetValue<int>();
        return Enumerable.Repeat(v, count).ToArray();
    }

    private static string Describe(Type t) => Nullable.GetUnderlyingType(t) is { } u ? Describe(u) + " or null" :
        t == typeof((int, int)) ? "integer or [h, w]" : t == typeof((int, int, int)) ? "integer or [d, h, w]" :
        t.IsArray ? $"list of {Describe(t.GetElementType()!)}" : t.Name.ToLower(CultureInfo.InvariantCulture);
}
