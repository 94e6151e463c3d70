namespace Micro.Identity;

/// <summary>How a service's listener and client protect calls (<c>MICRO_TLS=off|permissive|strict</c>).</summary>
public enum TlsMode
{
    /// <summary>Cleartext HTTP/2 (h2c) only: the development default; anyone on the network can read and impersonate.</summary>
    Off,

    /// <summary>
    /// Migration: the server serves h2c on its address and mTLS on a second port (advertised as node metadata
    /// <c>tls</c>); the client uses mTLS with every node that advertises it and h2c with the others.
    /// </summary>
    Permissive,

    /// <summary>mTLS only: the server requires a client certificate, the client refuses nodes that do not prove their identity.</summary>
    Strict,
}
