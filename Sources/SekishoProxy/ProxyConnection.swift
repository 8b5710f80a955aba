import Logging
import SekishoIO

/// What the loop registry and shutdown need from a client connection, whatever its kind.
protocol ProxyConnection: AnyObject {
    var id: ConnectionID { get }
    func start()
    /// Shutdown has begun: finish the work in hand, then close (an HTTP connection closes at
    /// the next message boundary; an idle keep-alive one closes at once).
    func beginDrain()
}

/// The connection kind is decided by the listener's upstream protocol: `tcp` relays bytes,
/// `http1` parses and forwards HTTP/1.1 requests.
func makeProxyConnection(
    id: ConnectionID,
    accepted: AcceptedSocket,
    resources: LoopResources,
    generation: ListenerGeneration,
    tracker: ConnectionTracker,
    logger: Logger
) -> any ProxyConnection {
    // Client trust: a readiness-check listener answers with a report page, never forwards.
    if generation.tls.isReadiness {
        return ReadinessConnection(
            id: id, accepted: accepted, resources: resources, generation: generation, tracker: tracker, logger: logger
        )
    }
    if let http = generation.http {
        return HTTP1ProxyConnection(
            id: id, accepted: accepted, resources: resources, generation: generation, http: http,
            tracker: tracker, logger: logger
        )
    }
    return TCPProxyConnection(
        id: id, accepted: accepted, resources: resources, generation: generation, tracker: tracker, logger: logger
    )
}
