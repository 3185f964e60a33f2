using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Infrastructure;

/// <summary>
/// Changes the Server's registrations after every slice has made its own: the Server is built as in
/// production, then <see cref="Decorate{TService}"/> replaces each registration of a service with a
/// test's decorator around the original.
/// </summary>
public static class ServiceDecoration
{
    /// <summary>Runs <paramref name="change"/> on the finished service collection, just before the container is built.</summary>
    public static void AfterRegistration(this WebApplicationBuilder builder, Action<IServiceCollection> change) =>
        builder.Host.UseServiceProviderFactory(new DecoratingFactory(change));

    public static void Decorate<TService>(this IServiceCollection services, Func<IServiceProvider, TService, TService> decorate)
        where TService : class
    {
        for (var i = 0; i < services.Count; i++)
        {
            var original = services[i];
            if (original.ServiceType != typeof(TService) || original.IsKeyedService)
            {
                continue;
            }

            services[i] = ServiceDescriptor.Describe(typeof(TService), sp => decorate(sp, (TService)Create(sp, original)), original.Lifetime);
        }
    }

    private static object Create(IServiceProvider services, ServiceDescriptor original) =>
        original.ImplementationInstance
        ?? original.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.CreateInstance(services, original.ImplementationType!);

    private sealed class DecoratingFactory(Action<IServiceCollection> change) : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            change(services);
            return services;
        }

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => containerBuilder.BuildServiceProvider();
    }
}
