using Google.Protobuf;
using Grpc.Core;
using Micro.Reflection.Protocol.V1;

namespace Micro.Reflection;

/// <summary>
/// <c>grpc.reflection.v1.ServerReflection</c>: lists this node's services and hands out the protobuf files that
/// describe them (see <see cref="ReflectionDescriptors"/>), one response per request on the stream.
/// </summary>
internal sealed class ReflectionService(Lazy<ReflectionDescriptors> descriptors) : ServerReflection.ServerReflectionBase
{
    private const int MaxName = 1024;
    private const int MaxRequestsPerStream = 10_000;

    public override async Task ServerReflectionInfo(IAsyncStreamReader<ServerReflectionRequest> requestStream,
        IServerStreamWriter<ServerReflectionResponse> responseStream, ServerCallContext context)
    {
        var answered = 0;
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            if (++answered > MaxRequestsPerStream) throw new RpcException(new Status(StatusCode.ResourceExhausted, "too many reflection requests on one stream"));
            await responseStream.WriteAsync(Answer(requestStream.Current, descriptors.Value), context.CancellationToken).ConfigureAwait(false);
        }
    }

    internal static ServerReflectionResponse Answer(ServerReflectionRequest request, ReflectionDescriptors descriptors)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                response.ListServicesResponse = new ListServiceResponse();
                response.ListServicesResponse.Service.Add(descriptors.Services.Select(s => new ServiceResponse { Name = s }));
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename when request.FileByFilename.Length <= MaxName:
                Files(response, descriptors.FileWithImports(request.FileByFilename), $"no file {request.FileByFilename}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol when request.FileContainingSymbol.Length <= MaxName:
                var file = descriptors.FileOf(request.FileContainingSymbol);
                Files(response, file is null ? null : descriptors.FileWithImports(file), $"no symbol {request.FileContainingSymbol}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType when request.AllExtensionNumbersOfType.Length <= MaxName:
                // proto3 messages declare no extensions: an empty list for a known type.
                if (descriptors.IsMessage(request.AllExtensionNumbersOfType))
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                else
                    Error(response, StatusCode.NotFound, $"no type {request.AllExtensionNumbersOfType}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                Error(response, StatusCode.NotFound, "no extensions are declared");
                break;
            default:
                Error(response, StatusCode.InvalidArgument, "unsupported or oversized reflection request");
                break;
        }
        return response;
    }

    private static void Files(ServerReflectionResponse response, IReadOnlyList<ByteString>? files, string missing)
    {
        if (files is null)
        {
            Error(response, StatusCode.NotFound, missing);
            return;
        }
        response.FileDescriptorResponse = new FileDescriptorResponse();
        response.FileDescriptorResponse.FileDescriptorProto.Add(files);
    }

    private static void Error(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };
}
