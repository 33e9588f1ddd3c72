import { Controller, Get, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { RequireRoles, ROLES, type AuthenticatedRequest, type Role } from '@loyalty/http-platform';

class SessionView {
  @ApiProperty({ description: "The key's id (as in provenance and logs), never the key" }) keyId!: string;
  @ApiProperty({ enum: ROLES, isArray: true, description: 'What the key may do (admin: everything)' }) roles!: Role[];
}

/** Who the caller is: the console signs in with it, and shows only what the key's roles may see. */
@ApiTags('session')
@ApiBearerAuth()
@Controller('v1/session')
export class SessionHttpController {
  @Get()
  @RequireRoles(...ROLES)
  @ApiOperation({ summary: "The calling key's id and roles" })
  @ApiOkResponse({ type: SessionView })
  session(@Req() request: AuthenticatedRequest): SessionView {
    const principal = request.principal;
    return { keyId: principal?.keyId ?? '', roles: [...(principal?.roles ?? [])].sort() };
  }
}
