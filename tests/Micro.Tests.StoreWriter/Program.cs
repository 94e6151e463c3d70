// usage: Micro.Tests.StoreWriter FOLDER DATABASE
// Writes key-0, key-1, ... to the file store and prints "ack N" once WriteAsync(N) has returned.
using System.Text;
using Micro.Sqlite.Store;
using Micro.Store;

var store = new FileStore(new StoreOptions { Address = args[0], Database = args[1] });
var stdout = Console.Out;
for (var i = 0; i < 1_000_000; i++) // bounded; the test kills it long before
{
    await store.WriteAsync(new StoreRecord { Key = $"key-{i}", Value = Encoding.UTF8.GetBytes($"value-{i}") });
    await stdout.WriteLineAsync($"ack {i}");
    await stdout.FlushAsync();
}
