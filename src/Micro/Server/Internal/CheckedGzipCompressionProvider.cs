using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;
using Micro.Errors;

namespace Micro.Server.Internal;

/// <summary>
/// gzip for gRPC messages, like grpc-dotnet's own, except that a message flagged as compressed whose body is not
/// valid gzip is answered as the caller's fault: INTERNAL with <c>micro.payload.malformed</c> (as gRPC's spec asks for
/// a decompression failure), logged at Information, instead of UNKNOWN "Exception was thrown by handler" and an error log.
/// </summary>
internal sealed class CheckedGzipCompressionProvider : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) => new CheckedStream(new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true));

    /// <summary>Turns "not gzip" into a gRPC status the caller can act on.</summary>
    private sealed class CheckedStream(GZipStream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try { return inner.Read(buffer, offset, count); }
            catch (InvalidDataException) { throw Malformed(); }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try { return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false); }
            catch (InvalidDataException) { throw Malformed(); }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private static RpcException Malformed()
        {
            var error = MicroException.BadRequest(ErrorCodes.MalformedPayload, "the message is flagged as gzip-compressed but is not valid gzip");
            var rpc = GrpcErrorMapping.ToRpcException(error);
            return new RpcException(new Status(StatusCode.Internal, error.Detail), rpc.Trailers);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
