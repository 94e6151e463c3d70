namespace Micro.Identity;

/// <summary>The one line the client's channel factory needs: mTLS settings on its handler when the channel is an mTLS one.</summary>
internal static class HttpHandlerSecurity
{
    public static SocketsHttpHandler WithSecurity(this SocketsHttpHandler handler, TransportSecurity? security, string? tlsService)
    {
        if (tlsService is not null) (security ?? throw new InvalidOperationException("an mTLS channel needs transport security")).Apply(handler, tlsService);
        return handler;
    }
}
