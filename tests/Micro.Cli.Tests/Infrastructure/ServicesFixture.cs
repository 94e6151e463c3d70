namespace Micro.Cli.Tests.Infrastructure;

/// <summary>
/// A namespace with one greeter (protobuf) and one inventory (plain JSON) node, registered over mDNS; the inventory
/// subscribes to inventory.events in its group "inventory" (HTTP broker).
/// </summary>
public sealed class ServicesFixture : IAsyncLifetime
{
    /// <summary>The namespace the services and the tool run in.</summary>
    public TestNetwork Network { get; } = new();

    /// <summary>The greeter node.</summary>
    public ChildProcess Greeter { get; private set; } = null!;

    /// <summary>The inventory node.</summary>
    public ChildProcess Inventory { get; private set; } = null!;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        await Network.InitializeAsync();
        Greeter = Network.StartDotnet(Paths.Greeter);
        Inventory = Network.StartDotnet(Paths.Inventory, "--name", "inventory");
        await Network.WaitForNodesAsync("greeter", 1);
        await Network.WaitForNodesAsync("inventory", 1);
    }

    /// <inheritdoc/>
    public Task DisposeAsync() => Network.DisposeAsync();
}
