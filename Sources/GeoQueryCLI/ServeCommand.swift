import ArgumentParser
import Foundation
import GeoQuery
import GeoQueryServer

/// `geoquery serve`: the mirror over HTTP, as data.police.uk's API (`/api/`) and geoquery's own (`/v1/`).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer data.police.uk API requests (/api/...) and geoquery's own (/v1/...) over HTTP from the mirror.",
        discussion: """
        Prints the URL it listens on, then one line per request (method, path, status, milliseconds). Stops cleanly on Ctrl-C or SIGTERM: requests in flight finish first, for at most --stop-timeout seconds.

        Examples:
          geoquery serve --mirror ~/police-uk
          curl 'http://127.0.0.1:8080/api/crimes-street/all-crime?lat=52.6297&lng=-1.1316&date=2019-01'
        """
    )

    @OptionGroup var mirror: MirrorOptions

    @Option(help: "Address to listen on (0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    // Unconditional: `--port -1` is a wrong number (said so), not a missing value.
    @Option(parsing: .unconditional, help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Flag(help: "Behave like the live data.police.uk service: 503 over 10,000 crimes, 400 for GET URLs over 4,094 characters, 429 beyond 15 requests/s per address (bursts of 30).")
    var apiLimits = false

    @Option(parsing: .unconditional, help: ArgumentHelp("With --api-limits: answer 503 above this many crimes instead of the live API's 10,000 (to test a client's splitting against a small cap).", valueName: "crimes"))
    var limit: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("After Ctrl-C or SIGTERM, how long requests in flight (and answers still being sent) may take before the server exits without them.", valueName: "seconds"))
    var stopTimeout = 60

    func validate() throws {
        guard stopTimeout >= 1 else { throw ValidationError("--stop-timeout \(stopTimeout) is not a number of seconds: give 1 or more") }
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port: use 0–65535") }
        if let limit {
            guard apiLimits else { throw ValidationError("--limit only applies with --api-limits: add --api-limits, or leave out --limit") }
            guard limit >= 1 else { throw ValidationError("--limit \(limit) is not a number of crimes: give 1 or more") }
        }
    }

    func run() throws {
        let m = try mirror.open()
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.apiLimits = apiLimits
        if let limit { options.crimeLimit = limit }
        let server = MirrorServer(mirror: m, options: options)
        let host = self.host
        var name = "the embedded SYNTHETIC sample"
        if case .directory(let dir) = m.location { name = dir }
        let outcome = ServeOutcome()
        let done = DispatchSemaphore(value: 0)
        // Ctrl-C and SIGTERM stop the server here, not in the server's own signal handling: a stop
        // waits for requests in flight, which cannot be interrupted, and one long request (or a
        // client that stopped reading) held a stop for minutes (an independent check), so the stop
        // also starts the --stop-timeout clock. (One signal source each: two sources for one
        // signal each saw it only some of the time.)
        let stop = ServerStop()
        let signals = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [stopTimeout] in
                Task { await stop.stop() }
                DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(stopTimeout)) {
                    Output.warning("requests still in flight \(stopTimeout) s after the stop signal: exiting without them")
                    Foundation.exit(0)
                }
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        Task { [name] in
            do {
                let shown = host.contains(":") ? "[\(host)]" : host  // an IPv6 address is bracketed in a URL (RFC 3986)
                try await server.run(stopOnSignals: false, stop: stop) { port in Output.standard("geoquery: serving \(name) at http://\(shown):\(port)/\n") }
            } catch {
                outcome.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error {
            // The server's own errors already say what and where (a port in use); others are NIO's.
            if let said = error as? GeoQueryError { throw said }
            throw GeoQueryError.unreadableInput("cannot serve on \(host):\(port): \(error)")
        }
    }
}

/// The server task's failure, handed back to the waiting command.
private final class ServeOutcome: @unchecked Sendable {
    var error: (any Error)?
}
