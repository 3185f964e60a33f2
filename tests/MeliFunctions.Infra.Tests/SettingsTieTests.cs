using MeliFunctions.Infra.Tests.Support;

namespace MeliFunctions.Infra.Tests;

/// <summary>
/// The product's settings list (see <see cref="ProductSettings"/>) is the same in the Bicep app
/// settings, in local.settings.sample.json and in the README's settings table.
/// </summary>
public class SettingsTieTests
{
    private static IReadOnlyList<string> BicepProductSettings => BicepAppSettings.ProductNames;

    [Fact]
    public void Product_settings_list_is_not_empty()
    {
        var names = ProductSettings.Names();

        Assert.NotEmpty(names);
        Assert.Contains("Meli__AppId", names);
        Assert.Subset(ProductSettings.SampleValueNames().ToHashSet(), ProductSettings.RuntimeOwned.ToHashSet());
    }

    [Fact]
    public void Every_product_setting_is_in_the_Bicep_app_settings()
    {
        var missing = ProductSettings.Names().Except(BicepProductSettings).ToList();

        Assert.True(missing.Count == 0, $"Not in infra/main.bicep productSettings: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_Bicep_product_setting_is_one_the_code_reads()
    {
        var unknown = BicepProductSettings.Except(ProductSettings.Names()).ToList();

        Assert.True(unknown.Count == 0, $"In infra/main.bicep productSettings but not in Core's SettingNames.Product: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void The_settings_sample_has_every_product_setting_and_nothing_the_code_never_reads()
    {
        var sample = ProductSettings.SampleValueNames().Where(n => !ProductSettings.RuntimeOwned.Contains(n)).ToList();

        Assert.Equal(ProductSettings.Names().Order(StringComparer.Ordinal), sample.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_product_setting_is_in_the_README_settings_table()
    {
        var readme = Repo.PathOf("README.md");
        Assert.True(File.Exists(readme), $"No README.md at {readme}.");

        var documented = ProductSettings.FirstColumnNames(File.ReadAllText(readme));
        var missing = ProductSettings.Names().Where(name => !documented.Contains(name)).ToList();

        Assert.True(missing.Count == 0, $"Not in the README's settings table: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Settings_table_parser_reads_backticked_names_in_the_first_column_only()
    {
        const string Markdown = """
            # Settings

            | name | meaning | default |
            | --- | --- | --- |
            | `Meli__AppId` | the app id, not `Meli__Hidden` | none |
            |`TASKHUB_NAME`|hub|`MeliFunctions`|
              | `Fraud__MeliCancelWait` (TimeSpan) | wait | `00:30:00` |
            | plain | no backticks | - |

            Text mentioning `NotInATable` and | a stray pipe later `AlsoNot`.
            """;

        var names = ProductSettings.FirstColumnNames(Markdown);

        Assert.Equal(
            new[] { "Fraud__MeliCancelWait", "Meli__AppId", "TASKHUB_NAME" },
            names.Order(StringComparer.Ordinal));
    }
}
