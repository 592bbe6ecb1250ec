// fabctl for money: usage reports, billing periods closed into numbered batches, tariffs.
#include <doctest/doctest.h>

#include <span>

#include "../ledger/old_schema.hpp"
#include "commands_lab.hpp"
#include "ledger/schema.hpp"

using namespace fabgate;
using namespace fabgate::ctl;
using namespace fabgate::test;
using nlohmann::json;

namespace {

// The standard lab with its lasers at 12.00 an hour, in started 6-minute increments, for every
// class (the printer has no tariff), holding these sessions.
void price_lasers_and_store(Lab& lab, const std::vector<SessionRecord>& sessions) {
    lab.standard_setup();
    lab.ok({"tariffs", "set", "--group", "lasers", "--class", "any", "--per-hour", "12.00",
            "--increment", "6m", "--from", "2026-01-01"});
    auto db = lab.open();
    ingest(db, sessions);
}

constexpr UnixMs kDay = 24 * 60 * kMinute;

// An hour of m-1's on laser-1 from `at`, stored by the ledger.
void store_hour(Lab& lab, const std::string& id, UnixMs at) {
    auto db = lab.open();
    ingest(db, {session(id, "m-1", "laser-1", at, 60)});
}

// The standard lab pricing laser-1 at 10.00 an hour for students and 20.00 for standard
// members, and the hour student m-1 used it on 1 February (session `first_id`).
void price_by_class_with_student_hour(Lab& lab, const std::string& first_id) {
    lab.standard_setup();
    lab.ok({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "10", "--from",
            "2026-01-01"});
    lab.ok({"tariffs", "set", "laser-1", "--class", "standard", "--per-hour", "20", "--from",
            "2026-01-01"});
    store_hour(lab, first_id, kFeb1 + kMinute);
}

// February closed early in March: the lines of its batch's export, header left out.
std::vector<std::string> february_export_lines(Lab& lab) {
    lab.now = kMar1 + 10 * kMinute;
    lab.ok({"billing", "close", "--to", "2026-03-01"});
    auto csv = lab.run({"billing", "export", "1"});
    REQUIRE(csv.code == 0);
    std::istringstream lines(csv.out);
    std::vector<std::string> found;
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) found.push_back(line);
    return found;
}

}  // namespace

TEST_CASE("usage report: minutes and amounts per member, machine and session") {
    Lab lab;
    price_lasers_and_store(lab, {
                                    // 30 min: 5 increments of 6 min at 12.00/h = 6.00
                                    session("019c0000-0000-7000-8000-000000000001", "m-1",
                                            "laser-1", kFeb1 + 60 * kMinute, 30),
                                    // 7 min: 2 started increments = 12 min = 2.40
                                    session("019c0000-0000-7000-8000-000000000002", "m-1",
                                            "laser-1", kFeb1 + 120 * kMinute, 7),
                                    // printer: no tariff, unpriced
                                    session("019c0000-0000-7000-8000-000000000003", "m-2",
                                            "printer-1", kFeb1 + 180 * kMinute, 60),
                                    // ends exactly at --to: belongs to the next period
                                    session("019c0000-0000-7000-8000-000000000004", "m-2",
                                            "laser-1", kMar1 - 30 * kMinute, 30),
                                });
    auto by_member =
        lab.run({"--json", "usage", "report", "--from", "2026-02-01", "--to", "2026-03-01"});
    INFO(by_member.err);
    REQUIRE(by_member.code == 0);
    auto j = by_member.parsed();
    REQUIRE(j["rows"].size() == 2);
    CHECK(j["rows"][0]["member"] == "m-1");
    CHECK(j["rows"][0]["sessions"] == 2);
    CHECK(j["rows"][0]["billable_s"] == 42 * 60);
    CHECK(j["rows"][0]["powered_ms"] == 37 * kMinute);
    CHECK(j["rows"][0]["amount_minor"] == 840);
    CHECK(j["rows"][0]["currency"] == "EUR");
    CHECK(j["rows"][1]["member"] == "m-2");
    CHECK(j["rows"][1]["unpriced"] == 1);
    CHECK(j["rows"][1]["amount_minor"] == 0);
    CHECK(by_member.err.find("1 session(s) have no tariff") != std::string::npos);

    auto table = lab.run({"usage", "report", "--from", "2026-02-01", "--to", "2026-03-01"});
    CHECK(table.out.find("8.40") != std::string::npos);
    CHECK(table.out.find("TOTAL") != std::string::npos);
    CHECK(table.out.find("37.0") != std::string::npos);  // powered minutes of m-1

    auto csv = lab.run(
        {"usage", "report", "--from", "2026-02-01", "--to", "2026-03-01", "--format", "csv"});
    CHECK(csv.out.rfind("member,name,currency,sessions,powered_min,active_min,billable_min,"
                        "amount,unpriced\n",
                        0) == 0);
    CHECK(csv.out.find("m-1,\"Smith, \"\"Al\"\"\",EUR,2,37.0,0.0,42.0,8.40,0\n") !=
          std::string::npos);

    auto by_machine = lab.run({"--json", "usage", "report", "--from", "2026-02-01", "--to",
                               "2026-03-01", "--by", "machine"})
                          .parsed();
    REQUIRE(by_machine["rows"].size() == 2);
    CHECK(by_machine["rows"][0]["machine"] == "lab/laser-1");
    CHECK(by_machine["rows"][0]["amount_minor"] == 840);

    auto by_session = lab.run({"--json", "usage", "report", "--from", "2026-02-01", "--to",
                               "2026-03-01", "--by", "session"})
                          .parsed();
    REQUIRE(by_session.size() == 3);
    CHECK(by_session[1]["amount_minor"] == 240);
    CHECK(by_session[1]["billable_s"] == 720);
    CHECK(by_session[2]["amount_minor"].is_null());

    // The member's page lists their sessions, newest first.
    auto shown = lab.run({"--json", "members", "show", "m-1"}).parsed();
    REQUIRE(shown["recent_sessions"].size() == 2);
    CHECK(shown["recent_sessions"][0]["billable_s"] == 720);
    CHECK(shown["recent_sessions"][0]["machine"] == "lab/laser-1");
}

TEST_CASE("billing close makes one numbered batch; closing again returns it unchanged") {
    Lab lab;
    lab.standard_setup();
    lab.ok({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "10", "--from",
            "2026-01-01"});
    {
        auto db = lab.open();
        ingest(db, {session("019c0000-0000-7000-8000-000000000011", "m-1", "laser-1",
                            kFeb1 + kMinute, 60),
                    session("019c0000-0000-7000-8000-000000000012", "m-2", "printer-1",
                            kFeb1 + 2 * kMinute, 15)});
    }
    auto first = lab.run({"--json", "billing", "close", "--to", "2026-03-01"});
    INFO(first.err);
    REQUIRE(first.code == 0);
    auto b1 = first.parsed();
    CHECK(b1["id"] == 1);
    CHECK(b1["sessions"] == 2);
    CHECK(b1["already_closed"] == false);

    auto again = lab.run({"billing", "close", "--to", "2026-03-01"});
    REQUIRE(again.code == 0);
    CHECK(again.out.find("already closed: batch 1") != std::string::npos);
    auto b1_again = lab.run({"--json", "billing", "close", "--to", "2026-03-01"}).parsed();
    CHECK(b1_again["id"] == 1);
    CHECK(b1_again["sessions"] == 2);
    CHECK(b1_again["already_closed"] == true);

    auto batches = lab.run({"--json", "billing", "batches"}).parsed();
    REQUIRE(batches.size() == 1);
    CHECK(batches[0]["totals"][0]["amount_minor"] == 1000);
    CHECK(batches[0]["totals"][0]["currency"] == "EUR");

    auto csv = lab.run({"billing", "export", "1"});
    REQUIRE(csv.code == 0);
    std::istringstream lines(csv.out);
    std::string header, line;
    std::getline(lines, header);
    CHECK(header.rfind("session_id,member_id,member_name", 0) == 0);
    int count = 0;
    while (std::getline(lines, line)) ++count;
    CHECK(count == 2);
    CHECK(csv.out.find("\"Smith, \"\"Al\"\"\"") != std::string::npos);

    auto exported = lab.run({"billing", "export", "1", "--format", "json"}).parsed();
    CHECK(exported["sessions_detail"].size() == 2);

    auto future = lab.run({"billing", "close", "--to", "2026-04-01"});
    CHECK(future.code == 2);
    CHECK(future.err.find("--to") != std::string::npos);
    auto earlier = lab.run({"billing", "close", "--to", "2026-02-15"});
    CHECK(earlier.code == 2);
    auto missing = lab.run({"billing", "export", "7"});
    CHECK(missing.code == 1);
    CHECK(missing.err.find("batch 7") != std::string::npos);
}

TEST_CASE("tariffs: money without floating point, listing what is in force") {
    Lab lab;
    lab.standard_setup();
    lab.ok({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "12.50", "--start-fee",
            "1.00", "--minimum", "2", "--free-below", "2m", "--round", "0.05", "--from",
            "2026-01-01"});
    lab.ok({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "14.10", "--from",
            "2026-02-15T12:00:00Z"});
    lab.ok({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "15", "--from",
            "2027-01-01"});
    auto j = lab.run({"--json", "tariffs", "list"}).parsed();
    REQUIRE(j.size() == 3);
    CHECK(j[0]["price_per_hour_minor"] == 1250);
    CHECK(j[0]["start_fee_minor"] == 100);
    CHECK(j[0]["minimum_minor"] == 200);
    CHECK(j[0]["free_below_s"] == 120);
    CHECK(j[0]["amount_rounding_minor"] == 5);
    CHECK(j[0]["state"] == "superseded");
    CHECK(j[1]["price_per_hour_minor"] == 1410);
    CHECK(j[1]["valid_from"] == "2026-02-15T12:00:00Z");
    CHECK(j[1]["state"] == "in force");
    CHECK(j[2]["state"] == "future");
    CHECK(lab.run({"--json", "tariffs", "list", "--current"}).parsed().size() == 1);
}

TEST_CASE("tariffs set: rounding mode and step, and every rule echoed") {
    Lab lab;
    lab.standard_setup();
    auto text = lab.run({"tariffs", "set", "laser-1", "--class", "student", "--per-hour", "12",
                         "--start-fee", "1", "--minimum", "2.50", "--free-below", "2m", "--round",
                         "0.50", "--rounding", "up", "--from", "2026-01-01"});
    CHECK(text.code == 0);
    CHECK(text.out.find("start fee 1.00 EUR") != std::string::npos);
    CHECK(text.out.find("minimum 2.50 EUR") != std::string::npos);
    CHECK(text.out.find("free below 2m") != std::string::npos);
    CHECK(text.out.find("rounding up to 0.50 EUR") != std::string::npos);
    auto j = lab.run({"--json", "tariffs", "set", "laser-1", "--class", "any", "--per-hour", "3",
                      "--round", "0.10", "--rounding", "down"})
                 .parsed();
    CHECK(j["rounding_mode"] == "down");
    CHECK(j["amount_rounding_minor"] == 10);
    CHECK(j["minimum_minor"] == 0);
    CHECK(j["start_fee_minor"] == 0);
    CHECK(j["free_below_s"] == 0);
    CHECK(j["combine_window_s"] == 0);
    auto window = lab.run({"tariffs", "set", "--group", "lasers", "--class", "any", "--per-hour",
                           "12", "--combine-window", "10m"});
    CHECK(window.code == 0);
    CHECK(window.out.find("combine window 10m") != std::string::npos);
    auto list = lab.run({"--json", "tariffs", "list"}).parsed();
    REQUIRE(list.size() == 3);
    CHECK(list[2]["combine_window_s"] == 600);
    CHECK(list[0]["rounding_mode"] == "up");
    CHECK(list[0]["amount_rounding_minor"] == 50);
    CHECK(list[1]["rounding_mode"] == "down");
    // A billing job reads a tariff the same way from `set` as from `list`: the same keys and
    // values, only the state (which depends on the other tariffs) is list's alone.
    auto listed = list[1];
    listed.erase("state");
    CHECK(listed == j);
    // A step that is not published is refused, naming the option.
    auto bad = lab.run(
        {"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "3", "--round", "0.25"});
    CHECK(bad.code == 2);
    CHECK(bad.err.find("--round") != std::string::npos);
    auto mode = lab.run({"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "3",
                         "--rounding", "ceiling"});
    CHECK(mode.code != 0);
}

TEST_CASE("tariffs set: a minimum in minutes, echoed and billed") {
    Lab lab;
    lab.standard_setup();
    auto text = lab.run({"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "30",
                         "--minimum-time", "15m", "--from", "2026-01-01"});
    CHECK(text.code == 0);
    CHECK(text.out.find("minimum 0.00 EUR and 15m") != std::string::npos);
    CHECK(lab.run({"--json", "tariffs", "list"}).parsed()[0]["minimum_s"] == 900);
    auto db = lab.open();
    auto s = session("0190a000-0000-7000-8000-000000000015", "m-1", "laser-1", kFeb1, 6);
    ingest(db, {s});
    auto stored = db.reports().session(s.id);
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->billable_s == 900);
    CHECK((*stored)->amount_minor == 750);
    auto lines = lab.run({"--json", "usage", "report", "--from", "2026-02-01", "--to", "2026-03-01",
                          "--by", "session"})
                     .parsed();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["rules"] == "minimum");
    auto bad = lab.run(
        {"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "3", "--minimum-time", "2d"});
    CHECK(bad.code == 2);
    CHECK(bad.err.find("--minimum-time") != std::string::npos);
}

TEST_CASE("a session line shows its metered figures in the usage report's columns and units") {
    // Priced, with a busy input: 30 min powered, 20 min active, 6.00.
    auto laser =
        session("019c0000-0000-7000-8000-000000000021", "m-1", "laser-1", kFeb1 + 60 * kMinute, 30);
    laser.active_ms = 20 * kMinute;
    // Unpriced, without a busy input: no active time and no amount, rather than zeros.
    auto printer = session("019c0000-0000-7000-8000-000000000022", "m-2", "printer-1",
                           kFeb1 + 120 * kMinute, 45);
    Lab lab;
    price_lasers_and_store(lab, {laser, printer});
    auto report = [&](std::vector<std::string> args) {
        args.insert(args.begin(),
                    {"usage", "report", "--from", "2026-02-01", "--to", "2026-03-01"});
        return lab.run(args);
    };

    CHECK(report({}).out ==
          "Usage from 2026-02-01 to 2026-03-01 (sessions that ended in this period; minutes of"
          " powered, active and billed time)\n"
          "MEMBER  NAME         CURRENCY  SESSIONS  POWERED_MIN  ACTIVE_MIN  BILLABLE_MIN"
          "  AMOUNT  UNPRICED\n"
          "m-1     Smith, \"Al\"  EUR              1         30.0        20.0          30.0"
          "    6.00         0\n"
          "m-2     Bob                           1         45.0         0.0           0.0"
          "    0.00         1\n"
          "TOTAL                                 1         45.0         0.0           0.0"
          "    0.00         1\n"
          "TOTAL                EUR              1         30.0        20.0          30.0"
          "    6.00         0\n");
    CHECK(report({"--by", "session"}).out ==
          "SESSION                               STARTED           ENDED             MACHINE"
          "        MEMBER  NAME         POWERED_MIN  ACTIVE_MIN  BILLABLE_MIN  AMOUNT  CURRENCY"
          "  TARIFF  END_REASON  BATCH  RULES\n"
          "019c0000-0000-7000-8000-000000000021  2026-02-01 01:00  2026-02-01 01:30  lab/laser-1"
          "    m-1     Smith, \"Al\"         30.0        20.0          30.0    6.00  EUR"
          "            1  badge_out\n"
          "019c0000-0000-7000-8000-000000000022  2026-02-01 02:00  2026-02-01 02:45"
          "  lab/printer-1  m-2     Bob                 45.0                       0.0"
          "                      none  badge_out\n");
    CHECK(report({"--format", "csv"}).out ==
          "member,name,currency,sessions,powered_min,active_min,billable_min,amount,unpriced\n"
          "m-1,\"Smith, \"\"Al\"\"\",EUR,1,30.0,20.0,30.0,6.00,0\n"
          "m-2,Bob,,1,45.0,0.0,0.0,0.00,1\n");
    CHECK(
        report({"--by", "session", "--format", "csv"}).out ==
        "session,started,ended,machine,member,name,powered_min,active_min,billable_min,amount,"
        "currency,tariff,end_reason,batch,rules\n"
        "019c0000-0000-7000-8000-000000000021,2026-02-01 01:00,2026-02-01 01:30,lab/laser-1,m-1,"
        "\"Smith, \"\"Al\"\"\",30.0,20.0,30.0,6.00,EUR,1,badge_out,,\n"
        "019c0000-0000-7000-8000-000000000022,2026-02-01 02:00,2026-02-01 02:45,lab/printer-1,m-2,"
        "Bob,45.0,,0.0,,,none,badge_out,,\n");

    auto members = report({"--format", "json"}).parsed()["rows"];
    auto sessions = report({"--by", "session", "--format", "json"}).parsed();
    REQUIRE(members.size() == 2);
    REQUIRE(sessions.size() == 2);
    for (const auto* key : {"powered_ms", "active_ms", "billable_s", "amount_minor"}) {
        CAPTURE(key);
        CHECK(members[0][key] == sessions[0][key]);
    }
    CHECK(sessions[1]["active_ms"].is_null());
    CHECK(sessions[1]["amount_minor"].is_null());
}

TEST_CASE("billing export: a line keeps the class that priced it after `members edit --class`") {
    Lab lab;
    price_by_class_with_student_hour(lab, "019c0000-0000-7000-8000-000000000021");
    // The student becomes a standard member on 10 February and uses the laser again.
    lab.now = kFeb1 + 10 * kDay;
    lab.ok({"members", "edit", "m-1", "--class", "standard"});
    store_hour(lab, "019c0000-0000-7000-8000-000000000022", kFeb1 + 11 * kDay);
    auto exported = february_export_lines(lab);
    REQUIRE(exported.size() == 2);
    const auto& student_line = exported[0];
    const auto& standard_line = exported[1];
    const std::string member_cells = R"(,m-1,"Smith, ""Al""",)";
    CHECK(student_line.substr(0, student_line.find(",lab,")) ==
          "019c0000-0000-7000-8000-000000000021" + member_cells + "student");
    CHECK(student_line.find(",10.00,EUR,") != std::string::npos);
    CHECK(standard_line.substr(0, standard_line.find(",lab,")) ==
          "019c0000-0000-7000-8000-000000000022" + member_cells + "standard");
    CHECK(standard_line.find(",20.00,EUR,") != std::string::npos);
}

TEST_CASE("billing export: an earlier member's lines keep their class when the id is added again") {
    Lab lab;
    price_by_class_with_student_hour(lab, "019c0000-0000-7000-8000-000000000031");
    // The student leaves; on 10 February the id is given to a new, standard member.
    lab.now = kFeb1 + 9 * kDay;
    lab.ok({"members", "remove", "m-1", "--yes"});
    lab.now = kFeb1 + 10 * kDay;
    lab.ok({"members", "add", "m-1", "--name", "Carol", "--class", "standard"});
    store_hour(lab, "019c0000-0000-7000-8000-000000000032", kFeb1 + 11 * kDay);
    auto exported = february_export_lines(lab);
    REQUIRE(exported.size() == 2);
    const auto& earlier_line = exported[0];
    const auto& new_line = exported[1];
    CHECK(earlier_line.rfind("019c0000-0000-7000-8000-000000000031,m-1,", 0) == 0);
    CHECK(earlier_line.find(",student,lab,") != std::string::npos);
    CHECK(earlier_line.find(",10.00,EUR,") != std::string::npos);
    CHECK(new_line.rfind("019c0000-0000-7000-8000-000000000032,m-1,", 0) == 0);
    CHECK(new_line.find(",standard,lab,") != std::string::npos);
    CHECK(new_line.find(",20.00,EUR,") != std::string::npos);
    // The views a billing job reads say the same.
    auto db = lab.open();
    auto st =
        db.database().prepare("SELECT member_class FROM v_billable_sessions ORDER BY started_at");
    REQUIRE(st);
    std::vector<std::string> classes;
    while (st->step().value_or(false)) classes.push_back(st->text(0));
    CHECK(classes == std::vector<std::string>{"student", "standard"});
}

TEST_CASE("billing close names the gates whose sessions ended in the future, and how far") {
    Lab lab;
    lab.standard_setup();
    lab.ok({"tariffs", "set", "laser-1", "--class", "any", "--per-hour", "10", "--from",
            "2026-01-01"});
    constexpr UnixMs kHour = 60 * kMinute;
    lab.now = kMar1 + 10 * kMinute;
    {
        auto db = lab.open();
        // The laser's gate runs two days and a half ahead: its session "ended" on 3 March.
        ingest(db, {session("019c0000-0000-7000-8000-000000000041", "m-1", "laser-1",
                            kFeb1 + kMinute, 60),
                    session("019c0000-0000-7000-8000-000000000042", "m-2", "laser-1",
                            lab.now + 2 * 24 * kHour + 11 * kHour, 60)});
    }
    auto text = lab.run({"billing", "close", "--to", "2026-03-01"});
    INFO(text.err);
    REQUIRE(text.code == 0);
    CHECK(text.out.find("1 session(s)") != std::string::npos);
    // On the close's own output, which the web console shows too.
    CHECK(text.out.find("lab/laser-1") != std::string::npos);
    CHECK(text.out.find("in the future") != std::string::npos);
    CHECK(text.out.find("2d12h") != std::string::npos);  // its end, ahead of now

    auto again = lab.run({"--json", "billing", "close", "--to", "2026-03-01"});
    REQUIRE(again.code == 0);
    auto j = again.parsed();
    REQUIRE(j["ended_in_future"].size() == 1);
    CHECK(j["ended_in_future"][0]["site"] == "lab");
    CHECK(j["ended_in_future"][0]["machine"] == "laser-1");
    CHECK(j["ended_in_future"][0]["sessions"] == 1);
    CHECK(j["ended_in_future"][0]["latest_ended_at"] == "2026-03-03T12:10:00Z");
    CHECK(j["ended_in_future"][0]["ahead_ms"] == 2 * 24 * kHour + 12 * kHour);

    // A gate with a right clock: nothing to say.
    Lab fine;
    fine.standard_setup();
    {
        auto db = fine.open();
        ingest(db, {session("019c0000-0000-7000-8000-000000000043", "m-1", "printer-1",
                            kFeb1 + kMinute, 60)});
    }
    auto quiet = fine.run({"--json", "billing", "close", "--to", "2026-03-01"});
    REQUIRE(quiet.code == 0);
    CHECK(quiet.parsed()["ended_in_future"].empty());
    CHECK(fine.run({"billing", "close", "--to", "2026-03-01"}).out.find("future") ==
          std::string::npos);
}

TEST_CASE("tariffs in KWD and XPF: typed, listed and exported with the currency's decimals") {
    Lab lab;
    lab.standard_setup();
    // ISO 4217: the Kuwaiti dinar has 3 decimals (fils), the CFP franc none.
    lab.ok({"tariffs", "set", "laser-1", "--class", "any", "--currency", "KWD", "--per-hour",
            "1.250", "--from", "2026-01-01"});
    lab.ok({"tariffs", "set", "printer-1", "--class", "any", "--currency", "XPF", "--per-hour",
            "1200", "--from", "2026-01-01"});
    CHECK(lab.run({"tariffs", "set", "printer-1", "--class", "any", "--currency", "XPF",
                   "--per-hour", "12.50"})
              .code == 2);
    CHECK(lab.run({"tariffs", "set", "laser-1", "--class", "any", "--currency", "KWD", "--per-hour",
                   "1.2505"})
              .code == 2);
    auto listed = lab.run({"--json", "tariffs", "list"}).parsed();
    REQUIRE(listed.size() == 2);
    CHECK(listed[0]["price_per_hour_minor"] == 1250);
    CHECK(listed[0]["amount_rounding_minor"] == 10);  // the default step, 0.01
    CHECK(listed[1]["price_per_hour_minor"] == 1200);
    auto table = lab.run({"tariffs", "list"}).out;
    CHECK(table.find("1.250") != std::string::npos);
    CHECK(table.find("12.00") == std::string::npos);

    {
        auto db = lab.open();
        ingest(db, {session("019c0000-0000-7000-8000-000000000051", "m-1", "laser-1",
                            kFeb1 + kMinute, 60),
                    session("019c0000-0000-7000-8000-000000000052", "m-2", "printer-1",
                            kFeb1 + 2 * kMinute, 30)});
    }
    lab.ok({"billing", "close", "--to", "2026-03-01"});
    auto csv = lab.run({"billing", "export", "1"});
    REQUIRE(csv.code == 0);
    CHECK(csv.out.find(",1250,1.250,KWD,") != std::string::npos);
    CHECK(csv.out.find(",600,600,XPF,") != std::string::npos);
}

TEST_CASE("a ledger that stored KWD prices in hundredths keeps reading and writing them so") {
    Lab lab;
    {
        // As a release before schema 15 left it: 1.50 KWD an hour, stored as 150.
        auto old = test::open_ledger_before(lab.db_path, ledger::kSchemaCurrencyDecimalsKept);
        REQUIRE(old);
        REQUIRE(old->exec(
            "INSERT INTO machines(site, id, name) VALUES ('lab', 'laser-1', 'Laser');"
            "INSERT INTO members(id, name, member_class, created_at) VALUES "
            "('m-1', 'Ann', 'student', 0);"
            "INSERT INTO member_class_history(member_id, member_class, valid_from) VALUES "
            "('m-1', 'student', 0);"
            "INSERT INTO tariffs(target_kind, target, member_class, price_per_hour_minor, "
            "currency, basis, increment_s, valid_from, created_at, created_by) VALUES "
            "('machine', 'laser-1', '*', 150, 'KWD', 'powered', 60, 0, 0, 'fabctl:alice');"));
    }
    auto listed = lab.run({"tariffs", "list"});
    REQUIRE(listed.code == 0);
    CHECK(listed.out.find("1.50") != std::string::npos);
    CHECK(listed.out.find("0.150") == std::string::npos);
    {
        auto db = lab.open();
        ingest(db, {session("019c0000-0000-7000-8000-000000000061", "m-1", "laser-1",
                            kFeb1 + kMinute, 60)});
    }
    lab.ok({"billing", "close", "--to", "2026-03-01"});
    auto csv = lab.run({"billing", "export", "1"});
    REQUIRE(csv.code == 0);
    CHECK(csv.out.find(",150,1.50,KWD,") != std::string::npos);
    // A new KWD price is typed as the stored ones were; a currency never used follows ISO 4217.
    CHECK(lab.run({"tariffs", "set", "laser-1", "--class", "any", "--currency", "KWD", "--per-hour",
                   "1.750"})
              .code == 2);
    lab.ok(
        {"tariffs", "set", "laser-1", "--class", "any", "--currency", "KWD", "--per-hour", "1.75"});
    lab.ok(
        {"tariffs", "set", "laser-1", "--class", "any", "--currency", "XPF", "--per-hour", "1200"});
    auto j = lab.run({"--json", "tariffs", "list"}).parsed();
    REQUIRE(j.size() == 3);
    CHECK(j[1]["price_per_hour_minor"] == 175);
    CHECK(j[2]["price_per_hour_minor"] == 1200);
}
