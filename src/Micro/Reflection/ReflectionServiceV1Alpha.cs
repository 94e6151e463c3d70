using Google.Protobuf;
using Grpc.Core;
using V1 = Micro.Reflection.Protocol.V1;
using V1Alpha = Micro.Reflection.Protocol.V1Alpha;

namespace Micro.Reflection;

/// <summary>
/// <c>grpc.reflection.v1alpha.ServerReflection</c>, which older tools still ask for. Its messages are wire-identical to
/// v1's, so each request is re-read as v1, answered by <see cref="ReflectionService"/>, and re-read back.
/// </summary>
internal sealed class ReflectionServiceV1Alpha(Lazy<ReflectionDescriptors> descriptors) : V1Alpha.ServerReflection.ServerReflectionBase
{
    private const int MaxRequestsPerStream = 10_000;

    public override async Task ServerReflectionInfo(IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requestStream,
        IServerStreamWriter<V1Alpha.ServerReflectionResponse> responseStream, ServerCallContext context)
    {
        var answered = 0;
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            if (++answered > MaxRequestsPerStream) throw new RpcException(new Status(StatusCode.ResourceExhausted, "too many reflection requests on one stream"));
            var request = V1.ServerReflectionRequest.Parser.ParseFrom(requestStream.Current.ToByteString());
            var answer = ReflectionService.Answer(request, descriptors.Value);
            await responseStream.WriteAsync(V1Alpha.ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString()), context.CancellationToken).ConfigureAwait(false);
        }
    }
}
