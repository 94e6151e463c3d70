namespace Micro.Telemetry;

/// <summary>
/// Attribute names Micro puts on spans and measurements: the OpenTelemetry semantic conventions for RPC and messaging,
/// plus a few <c>micro.*</c> ones for what the conventions have no name for (the node, the attempt, the error id).
/// </summary>
public static class SemanticConventions
{
    /// <summary>"grpc" (v1.37 name).</summary>
    public const string RpcSystem = "rpc.system";

    /// <summary>"grpc" (stable name).</summary>
    public const string RpcSystemName = "rpc.system.name";

    /// <summary>The full gRPC service, e.g. <c>greeter.Greeter</c> (v1.37 only).</summary>
    public const string RpcService = "rpc.service";

    /// <summary>v1.37: the method (<c>Hello</c>); stable: service and method (<c>greeter.Greeter/Hello</c>).</summary>
    public const string RpcMethod = "rpc.method";

    /// <summary>The numeric gRPC status (v1.37 name).</summary>
    public const string RpcGrpcStatusCode = "rpc.grpc.status_code";

    /// <summary>The gRPC status name, e.g. <c>UNAVAILABLE</c> (stable name).</summary>
    public const string RpcResponseStatusCode = "rpc.response.status_code";

    /// <summary>Host of the node called.</summary>
    public const string ServerAddress = "server.address";

    /// <summary>Port of the node called.</summary>
    public const string ServerPort = "server.port";

    /// <summary>What failed: the Micro error id (<c>micro.unavailable</c>), absent on success.</summary>
    public const string ErrorType = "error.type";

    /// <summary>The messaging system, e.g. <c>micro</c>, <c>nats</c>.</summary>
    public const string MessagingSystem = "messaging.system";

    /// <summary>The topic.</summary>
    public const string MessagingDestinationName = "messaging.destination.name";

    /// <summary><c>send</c> for a publish, <c>process</c> for a delivery handled.</summary>
    public const string MessagingOperationType = "messaging.operation.type";

    /// <summary><c>send</c> or <c>process</c>: the operation's name, on spans and messaging metrics.</summary>
    public const string MessagingOperationName = "messaging.operation.name";

    /// <summary>The consumer group (queue) a delivery was made to.</summary>
    public const string MessagingConsumerGroupName = "messaging.consumer.group.name";

    /// <summary>The message's id.</summary>
    public const string MessagingMessageId = "messaging.message.id";

    /// <summary>The Micro service called (registry name), e.g. <c>greeter</c>.</summary>
    public const string MicroService = "micro.service";

    /// <summary>The Micro endpoint, e.g. <c>Greeter.Hello</c>.</summary>
    public const string MicroEndpoint = "micro.endpoint";

    /// <summary>The registry id of the node an attempt went to.</summary>
    public const string MicroNodeId = "micro.node.id";

    /// <summary>1 for the first attempt of a call, 2 for its first retry, ...</summary>
    public const string MicroAttempt = "micro.attempt";

    /// <summary>The Micro error id of a failed call (also on the errors counter).</summary>
    public const string MicroErrorId = "micro.error.id";

    /// <summary>What the subscriber decided about a delivery: <c>ack</c>, <c>retry</c> or <c>dead_letter</c>.</summary>
    public const string MicroBrokerOutcome = "micro.broker.outcome";

    /// <summary>The sync plug-in (<c>memory</c>, <c>etcd</c>, <c>redis</c>, <c>postgres</c>) on the lock wait histogram.</summary>
    public const string MicroSyncPlugin = "micro.sync.plugin";

    /// <summary><c>lock</c> or <c>leader</c>: what a sync wait was for.</summary>
    public const string MicroSyncKind = "micro.sync.kind";

    /// <summary>How a sync wait ended: <c>acquired</c>, <c>timeout</c>, <c>cancelled</c> or <c>error</c>.</summary>
    public const string MicroSyncOutcome = "micro.sync.outcome";
}
