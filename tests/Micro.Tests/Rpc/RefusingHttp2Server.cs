using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Micro.Tests.Rpc;

/// <summary>How <see cref="RefusingHttp2Server"/> answers each request.</summary>
public enum Http2Refusal
{
    /// <summary>RST_STREAM(REFUSED_STREAM) on the request's HEADERS: not processed (RFC 9113 §8.7).</summary>
    RefusedStream,

    /// <summary>A GOAWAY whose last stream id is below the request's: not processed.</summary>
    GoAwayBelowStream,

    /// <summary>Once the request is complete, a GOAWAY whose last stream id covers it (the server may be running it), then the connection closes.</summary>
    GoAwayCoveringStreamThenClose,
}

/// <summary>
/// A node whose HTTP/2 server accepts connections but answers no request: it speaks just enough HTTP/2 (preface,
/// SETTINGS, PING) to keep a real client connected, and answers every request on the wire as <see cref="Http2Refusal"/>
/// says. A refused stream or one above a GOAWAY's last stream id was "not processed" (RFC 9113 §8.7), which is what lets
/// a client move even a non-idempotent call to another node; a stream a GOAWAY covered and then lost may have run.
/// </summary>
internal sealed class RefusingHttp2Server : IAsyncDisposable
{
    private const int FrameHeaderSize = 9;
    private const int MaxFrameSize = 16_384; // SETTINGS_MAX_FRAME_SIZE's default, which this server never raises
    private const byte Data = 0, Headers = 1, RstStream = 3, Settings = 4, Ping = 6, GoAwayFrame = 7;
    private const byte AckFlag = 1, EndStreamFlag = 1;
    private const uint RefusedStream = 0x7, NoError = 0x0;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Http2Refusal _refusal;
    private readonly Task _accepting;
    private readonly List<Task> _connections = [];
    private int _streamsRefused, _connectionsAccepted;

    public RefusingHttp2Server(Http2Refusal refusal)
    {
        _refusal = refusal;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Address => "127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Requests refused (or, for <see cref="Http2Refusal.GoAwayCoveringStreamThenClose"/>, dropped) so far: each one reached this node on the wire.</summary>
    public int StreamsRefused => Volatile.Read(ref _streamsRefused);

    /// <summary>TCP connections accepted so far.</summary>
    public int ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _connectionsAccepted);
                lock (_connections) _connections.Add(ServeAsync(socket));
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var header = new byte[FrameHeaderSize];
        var payload = new byte[MaxFrameSize];
        try
        {
            await stream.ReadExactlyAsync(new byte[24], _stop.Token); // the client preface, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
            await WriteFrameAsync(stream, Settings, 0, 0, ReadOnlyMemory<byte>.Empty, _stop.Token);
            while (true)
            {
                await stream.ReadExactlyAsync(header, _stop.Token);
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var type = header[3];
                var flags = header[4];
                var streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFF_FFFF);
                if (length > MaxFrameSize) return; // a FRAME_SIZE_ERROR; a test server just hangs up
                await stream.ReadExactlyAsync(payload.AsMemory(0, length), _stop.Token);
                switch (type)
                {
                    case Settings when (flags & AckFlag) == 0:
                        await WriteFrameAsync(stream, Settings, AckFlag, 0, ReadOnlyMemory<byte>.Empty, _stop.Token);
                        break;
                    case Ping when (flags & AckFlag) == 0:
                        await WriteFrameAsync(stream, Ping, AckFlag, 0, payload.AsMemory(0, length), _stop.Token);
                        break;
                    case Headers when _refusal == Http2Refusal.RefusedStream:
                        Interlocked.Increment(ref _streamsRefused);
                        await WriteFrameAsync(stream, RstStream, 0, streamId, Code(RefusedStream), _stop.Token);
                        break;
                    case Headers when _refusal == Http2Refusal.GoAwayBelowStream:
                        Interlocked.Increment(ref _streamsRefused);
                        // Client stream ids are odd and rising: the one before this request's, or 0.
                        await WriteFrameAsync(stream, GoAwayFrame, 0, 0, GoAway(Math.Max(streamId - 2, 0)), _stop.Token);
                        break;
                    case Headers or Data when _refusal == Http2Refusal.GoAwayCoveringStreamThenClose && (flags & EndStreamFlag) != 0:
                        Interlocked.Increment(ref _streamsRefused);
                        await WriteFrameAsync(stream, GoAwayFrame, 0, 0, GoAway(streamId), _stop.Token);
                        return; // and hang up before answering it
                    case Data: // the refused request's body, still in flight: discarded unread, as a real server does
                    default:
                        break;
                }
            }
        }
        catch (EndOfStreamException) { }
        catch (IOException) { }
        catch (OperationCanceledException) { }
    }

    private static byte[] Code(uint errorCode)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, errorCode);
        return payload;
    }

    private static byte[] GoAway(int lastStreamId)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), NoError);
        return payload;
    }

    private static async Task WriteFrameAsync(NetworkStream stream, byte type, byte flags, int streamId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var frame = new byte[FrameHeaderSize + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), (uint)streamId);
        payload.CopyTo(frame.AsMemory(FrameHeaderSize));
        await stream.WriteAsync(frame, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        Task[] connections;
        lock (_connections) connections = [.. _connections];
        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}
