"""A trust's system on MESH, through NHS England's own Python client (mesh-client), for RehabCount's tests.

    mesh_trust.py send MAILBOX RECIPIENT WORKFLOW FILE [--name NAME] [--chunk-size N] [--compress] [--local-id ID]
                       [--checksum C] [--copies N] [--false-gzip]
        prints the message id of each copy; --false-gzip sends the file's bytes as they are, labelled gzip
    mesh_trust.py receive MAILBOX FOLDER [--workflow W]
        downloads every message (of W), writes each under its mex-FileName, acknowledges it, prints the names

The server and shared key come from REHABCOUNT_TEST_MESH_URL and REHABCOUNT_TEST_MESH_SHARED_KEY; every sandbox
mailbox's password is "password".
"""

import argparse
import os
import sys

from mesh_client import MeshClient


def client(mailbox: str) -> MeshClient:
    return MeshClient(
        os.environ["REHABCOUNT_TEST_MESH_URL"],
        mailbox,
        "password",
        shared_key=os.environ["REHABCOUNT_TEST_MESH_SHARED_KEY"].encode(),
        verify=False,
        transparent_compress=False,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("send")
    send.add_argument("mailbox")
    send.add_argument("recipient")
    send.add_argument("workflow")
    send.add_argument("file")
    send.add_argument("--name")
    send.add_argument("--chunk-size", type=int, default=20 * 1024 * 1024)
    send.add_argument("--compress", action="store_true")
    send.add_argument("--local-id")
    send.add_argument("--checksum")
    send.add_argument("--copies", type=int, default=1)
    send.add_argument("--false-gzip", action="store_true")
    receive = commands.add_parser("receive")
    receive.add_argument("mailbox")
    receive.add_argument("folder")
    receive.add_argument("--workflow")
    args = parser.parse_args()

    with client(args.mailbox) as mesh:
        mesh.handshake()
        if args.command == "send":
            headers = {"workflow_id": args.workflow, "filename": args.name or os.path.basename(args.file)}
            if args.local_id:
                headers["local_id"] = args.local_id
            if args.checksum:
                headers["checksum"] = args.checksum
            if args.false_gzip:
                # A sender's bug: bytes that are not gzip, labelled as gzip. mesh-client would compress them.
                with open(args.file, "rb") as data:
                    response = mesh._session.post(
                        f"{mesh._url}/messageexchange/{args.mailbox}/outbox",
                        data=data.read(),
                        headers={
                            "Content-Type": "application/octet-stream",
                            "Content-Encoding": "gzip",
                            "Mex-To": args.recipient,
                            "Mex-WorkflowID": args.workflow,
                            "Mex-FileName": headers["filename"],
                            "Mex-Chunk-Range": "1:1",
                        },
                    )
                response.raise_for_status()
                print(response.json()["message_id"])
                return 0
            for _ in range(args.copies):
                with open(args.file, "rb") as data:
                    message_id = mesh.send_message(
                        args.recipient, data, max_chunk_size=args.chunk_size, compress=args.compress, **headers
                    )
                print(message_id)
        else:
            for message_id in mesh.list_messages(workflow_filter=args.workflow):
                message = mesh.retrieve_message(message_id)
                name = message.mex_header("filename") or message_id
                with open(os.path.join(args.folder, os.path.basename(name)), "wb") as out:
                    out.write(message.read())
                message.acknowledge()
                print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
