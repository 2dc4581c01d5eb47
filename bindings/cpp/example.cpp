// example: stop one audio stream of a live call with the C++ binding of libplivo.
//
//   PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=... [PLIVO_BASE_URL=...] ./example CALL_UUID STREAM_UUID
//
// An already stopped stream (PLIVO_ERR_NO_ACTIVE_STREAM) counts as success: stopping
// is idempotent for this program. Exits with the PlivoCode of a real failure.
#include "plivo.hpp"

#include <iostream>

int main(int argc, char **argv) {
    if (argc != 3) {
        std::cerr << "usage: " << argv[0] << " CALL_UUID STREAM_UUID\n";
        return PLIVO_ERR_INVALID_ARGUMENT;
    }
    try {
        plivo::Client client;  // credentials (and PLIVO_BASE_URL) from the environment
        try {
            client.stop_stream(argv[1], argv[2]);
            std::cout << "stopped stream " << argv[2] << "\n";
        } catch (const plivo::Error &e) {
            if (!e.is_no_active_stream())
                throw;
            std::cout << "stream " << argv[2] << " was already stopped\n";
        }
        return 0;
    } catch (const plivo::Error &e) {
        std::cerr << "error: " << e.code_name() << ": " << e.what();
        if (e.http_status() != 0)
            std::cerr << " [HTTP " << e.http_status() << "]";
        if (!e.api_id().empty())
            std::cerr << " [api_id " << e.api_id() << "]";
        std::cerr << "\n";
        return e.code();
    }
}
