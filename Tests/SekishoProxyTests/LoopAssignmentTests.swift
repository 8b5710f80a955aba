import XCTest
@testable import SekishoProxy

/// Which loop a new connection goes to (`ProxyServer.chooseLoop`): the accepting loop unless
/// another has at least two fewer connections.
final class LoopAssignmentTests: XCTestCase {
    func testTheAcceptingLoopKeepsItsConnectionWithinOneOfTheLeastLoaded() {
        XCTAssertEqual(ProxyServer.chooseLoop(loads: [5, 5], acceptedOn: 0), 0)
        XCTAssertEqual(ProxyServer.chooseLoop(loads: [5, 4], acceptedOn: 0), 0)
        XCTAssertEqual(ProxyServer.chooseLoop(loads: [0, 0], acceptedOn: 1), 1)
    }

    func testABusierAcceptingLoopHandsTheConnectionToTheLeastLoaded() {
        XCTAssertEqual(ProxyServer.chooseLoop(loads: [6, 4], acceptedOn: 0), 1)
        XCTAssertEqual(ProxyServer.chooseLoop(loads: [4, 9], acceptedOn: 1), 0)
        XCTAssertEqual(ProxyServer.chooseLoop(loads: [4, 4, 1], acceptedOn: 1), 2)
    }

    func testWithoutAnAcceptingLoopTheLeastLoadedWins() {
        XCTAssertEqual(ProxyServer.chooseLoop(loads: [3, 7], acceptedOn: nil), 0)
        XCTAssertEqual(ProxyServer.chooseLoop(loads: [7, 3], acceptedOn: nil), 1)
        XCTAssertEqual(ProxyServer.chooseLoop(loads: [2, 2, 2], acceptedOn: nil), 0)
    }
}
