using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Micro.Auth.Jwt;

/// <summary>
/// Access tokens that passed validation, by the SHA-256 of (audience, token), until they expire, so a
/// caller reusing its token pays one hash and one lookup instead of an ECDSA verification. The token
/// itself is not kept. Cleared whenever the key set changes (a removed key's tokens stop at once).
/// </summary>
internal sealed class TokenCache(int capacity, TimeProvider time)
{
    private readonly ConcurrentDictionary<UInt128, Entry> _entries = new();

    private sealed record Entry(Account Account, long ExpiresTicks);

    public int Count => _entries.Count;

    public static UInt128 Key(ReadOnlySpan<char> token, string audience)
    {
        var length = Encoding.UTF8.GetMaxByteCount(token.Length + audience.Length + 1);
        byte[]? rented = null;
        var buffer = length <= 4096 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(audience, buffer);
            buffer[written++] = 0;
            written += Encoding.UTF8.GetBytes(token, buffer[written..]);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer[..written], hash);
            return MemoryMarshal.Read<UInt128>(hash);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public bool TryGet(UInt128 key, out Account account)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            if (entry.ExpiresTicks > time.GetUtcNow().UtcTicks)
            {
                account = entry.Account;
                return true;
            }
            _entries.TryRemove(key, out _);
        }
        account = null!;
        return false;
    }

    public void Add(UInt128 key, Account account, DateTimeOffset expires)
    {
        // A full cache is dropped whole: simpler than LRU and the cost is one verification per live caller.
        if (_entries.Count >= capacity) _entries.Clear();
        _entries[key] = new Entry(account, expires.UtcTicks);
    }

    public void Clear() => _entries.Clear();
}
